// The dashboards' only script (no inline scripts: the CSP forbids them).
// "Print or save as PDF" buttons.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// A table wider than its card (on a phone) says so above it; the edge shadows show it too, even
// without this script.
function markScrollingTables() {
  for (const region of document.querySelectorAll(".dash-scroll")) {
    const hint = region.previousElementSibling;
    if (hint && hint.classList.contains("dash-scroll-hint")) {
      hint.hidden = region.scrollWidth <= region.clientWidth + 1;
    }
  }
}
document.addEventListener("DOMContentLoaded", markScrollingTables);
window.addEventListener("resize", markScrollingTables);
