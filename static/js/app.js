// Buttons with data-confirm ask first (archive, deactivate, reset 2FA): CSP-safe, no inline JS.
document.addEventListener("submit", function (event) {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-print]");
  if (button) { window.print(); }
});
