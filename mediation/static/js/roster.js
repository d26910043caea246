// Progressive enhancement for the roster calendar: keyboard arrows move between days.
// Everything works without this file (each day is a plain submit button).
document.addEventListener("DOMContentLoaded", () => {
  const grid = document.querySelector("table.month");
  if (!grid) return;
  const days = Array.from(grid.querySelectorAll("button.day"));
  grid.addEventListener("keydown", (event) => {
    const i = days.indexOf(document.activeElement);
    if (i < 0) return;
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 }[event.key];
    if (!step) return;
    const next = days[i + step];
    if (next) { next.focus(); event.preventDefault(); }
  });
});
