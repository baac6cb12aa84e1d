// The header's search box: "/" anywhere outside a field puts the cursor in it, as on
// GitHub and Gmail; Escape leaves it. The box is a plain GET form without this.
document.addEventListener("keydown", (event) => {
  const box = document.getElementById("global-search");
  if (!box) return;
  const target = event.target;
  const typing = target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    event.preventDefault();
    box.focus();
    box.select();
  } else if (event.key === "Escape" && target === box) {
    box.blur();
  }
});
