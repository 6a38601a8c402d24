// Quick-fill buttons (e.g. duration "5 min") put their value in the field and let autosave know.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-fill]");
  if (!button) { return; }
  const field = document.getElementById(button.getAttribute("data-fill"));
  field.value = button.getAttribute("data-value");
  field.dispatchEvent(new Event("input", { bubbles: true }));
  field.dispatchEvent(new Event("change", { bubbles: true }));
});
// "Add another" for a formset: copy the empty form, numbering it, and bump TOTAL_FORMS.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-add-form]");
  if (!button) { return; }
  const prefix = button.getAttribute("data-add-form");
  const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  const template = document.getElementById(prefix + "-empty");
  const html = template.innerHTML.replace(/__prefix__/g, total.value);
  document.getElementById(prefix + "-rows").insertAdjacentHTML("beforeend", html);
  total.value = parseInt(total.value, 10) + 1;
});
