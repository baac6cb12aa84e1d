// "New opportunity", "New proposal", "Add contact", "Mark lost": a link to a folded
// form opens it and puts the cursor in its first field, as does arriving at the page
// with its address (#new-opportunity). Without JavaScript the summary still opens it.
function openFolded(hash) {
  const target = hash && hash.length > 1 ? document.getElementById(hash.slice(1)) : null;
  if (!target || target.tagName !== "DETAILS") return;
  target.open = true;
  const first = target.querySelector("input:not([type=hidden]), select, textarea");
  if (first) first.focus();
}
document.querySelectorAll('a[href^="#"]').forEach((link) => {
  // After the browser has followed the link (which moves the focus to the page).
  link.addEventListener("click", () => setTimeout(() => openFolded(link.getAttribute("href")), 0));
});
openFolded(window.location.hash);
