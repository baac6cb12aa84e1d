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

// A record's details (form.edit-in-place) read as values: each box looks like plain
// text until it is pointed at or clicked, so the page reads as a record and any value
// is one click from being changed. A field typed differently from what the form showed
// (its hidden `was.` value, the same memory the conflict panel uses) is marked as
// changed. Without script the boxes are simply shown as boxes.
document.querySelectorAll("form.edit-in-place").forEach((form) => {
  form.classList.add("reading");
  const mark = (event) => {
    const box = event.target;
    const field = box.closest && box.closest(".field");
    const memory = box.name ? form.querySelector(`input[type=hidden][name="was.${CSS.escape(box.name)}"]`) : null;
    if (!field || !memory) return;
    const value = box.type === "checkbox" ? String(box.checked) : box.value;
    field.classList.toggle("edited", value.trim() !== memory.value.trim());
  };
  form.addEventListener("input", mark);
  form.addEventListener("change", mark);
});
