// Drag a card onto another column, or onto the won zone, to move it: the board's one form
// is sent to the card's address with that stage, so the server applies the same rules as
// the menu's buttons. Lost asks why in the one dialog (the firm's reasons, or "Other"),
// from the lost zone or from a card's "Mark lost…", which without JavaScript is a link to
// the deal's page, where it is closed with a reason.
const board = document.getElementById("board-form");
const lostDialog = document.getElementById("lost-dialog");
const canAsk = lostDialog && typeof lostDialog.showModal === "function";
let askedFrom = null; // where the focus goes back when the dialog closes

function move(card, stage) {
  const field = document.createElement("input");
  field.type = "hidden";
  field.name = "stage";
  field.value = stage;
  board.appendChild(field);
  board.action = `/pipeline/${card.dataset.id}/stage`;
  board.submit();
}

function askWhyLost(card, opener) {
  if (!canAsk) {
    window.location.href = card.querySelector("a.lost").href;
    return;
  }
  const form = document.getElementById("lost-dialog-form");
  form.action = `/pipeline/${card.dataset.id}/stage`;
  document.getElementById("lost-dialog-deal").textContent = card.querySelector("strong a").textContent;
  askedFrom = opener;
  lostDialog.showModal();
  document.getElementById("lost-dialog-reason").focus();
}

document.getElementById("lost-dialog-cancel")?.addEventListener("click", () => lostDialog.close());
lostDialog?.addEventListener("close", () => {
  askedFrom?.focus();
  askedFrom = null;
});

// One listener each for the whole board rather than one a card.
board.addEventListener("click", (event) => {
  const link = event.target.closest("a.lost");
  if (!link || !canAsk) return;
  event.preventDefault();
  const menu = link.closest("details.card-menu");
  menu.open = false;
  askWhyLost(link.closest(".card-deal"), menu.querySelector("summary"));
});
board.addEventListener("dragstart", (event) => {
  const card = event.target.closest?.(".card-deal");
  if (card) event.dataTransfer.setData("text/plain", card.dataset.id);
});
document.querySelectorAll(".column, .drop-zone").forEach((zone) => {
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("drop-target");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("drop-target"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("drop-target");
    const card = document.querySelector(`.card-deal[data-id="${event.dataTransfer.getData("text/plain")}"]`);
    if (!card || card.dataset.stage === zone.dataset.stage) return;
    if (zone.dataset.lost) askWhyLost(card, card.querySelector("details.card-menu summary"));
    else move(card, zone.dataset.stage);
  });
});

// A menu closes with Escape and gives the focus back to its button.
board.addEventListener("keydown", (event) => {
  const menu = event.target.closest("details.card-menu");
  if (event.key === "Escape" && menu?.open) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});
