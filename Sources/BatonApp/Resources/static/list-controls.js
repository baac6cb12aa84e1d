// A list's saved views and filters fold into "Views and filters" on a narrow screen, so
// the first rows are on the first screen (issue 19, item 10), and stay open beside the
// rows on a wide one. The page draws them open (without script they are always there);
// this runs right after the disclosure, before the page is first painted, and follows
// the window across 800 px so a control is never left hidden on a wide screen.
(() => {
  const controls = document.getElementById("list-controls");
  if (!controls) return;
  const narrow = window.matchMedia("(max-width: 800px)");
  // A refused "Save view" is said inside the disclosure: it stays open to be read.
  const fit = () => { controls.open = !narrow.matches || controls.hasAttribute("data-keep-open"); };
  fit();
  narrow.addEventListener("change", fit);
})();
