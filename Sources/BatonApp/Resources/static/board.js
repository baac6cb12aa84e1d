// Drag a card onto another column to move its stage: it fills in the card's own
// form and submits it, so the server applies the same rules as without JavaScript.
document.querySelectorAll(".card-deal").forEach((card) => {
  card.addEventListener("dragstart", (event) => event.dataTransfer.setData("text/plain", card.dataset.id));
});
document.querySelectorAll(".column").forEach((column) => {
  column.addEventListener("dragover", (event) => event.preventDefault());
  column.addEventListener("drop", (event) => {
    event.preventDefault();
    const card = document.querySelector(`.card-deal[data-id="${event.dataTransfer.getData("text/plain")}"]`);
    if (!card) return;
    const form = card.querySelector("form.move");
    form.querySelector("select[name=stage]").value = column.dataset.stage;
    form.submit();
  });
});
