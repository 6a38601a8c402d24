// The quick care log. Choices that exclude each other clear each other as they are tapped, so the
// form never shows both (without this script the server refuses or drops the contradiction).
document.addEventListener("change", function (event) {
  const input = event.target;
  const form = input.closest(".care-log form");
  if (!form) { return; }
  // "Nothing to note" starts ticked: tapping what was noticed clears it, and tapping it clears the rest.
  if (input.name === "observations" && input.checked) {
    const nothing = input.value === "none";
    form.querySelectorAll('input[name="observations"]').forEach(function (box) {
      if (box !== input && (nothing || box.value === "none")) { box.checked = false; }
    });
  }
  // One second adult: a named person's button, or someone else from the list.
  if (input.name === "second_adult" && input.checked) {
    const other = form.querySelector('select[name="second_adult_other"]');
    if (other) { other.value = ""; }
  }
  if (input.name === "second_adult_other" && input.value) {
    form.querySelectorAll('input[name="second_adult"]').forEach(function (radio) { radio.checked = false; });
  }
});
