// Drag a card onto another column, or onto the won zone, to move it: the card's own
// form is sent with that stage, so the server applies the same rules as the menu's
// buttons. The lost zone asks why in a dialog first (the firm's reasons, or "Other").
const lostDialog = document.getElementById("lost-dialog");

function move(card, stage) {
  const form = card.querySelector("form.move");
  const field = document.createElement("input");
  field.type = "hidden";
  field.name = "stage";
  field.value = stage;
  form.appendChild(field);
  form.submit();
}

function askWhyLost(card) {
  if (!lostDialog || typeof lostDialog.showModal !== "function") {
    // No dialog: open the card's menu, where the reason is chosen.
    const menu = card.querySelector("details.card-menu");
    menu.open = true;
    menu.querySelector("select[name=lostReason]").focus();
    return;
  }
  const form = document.getElementById("lost-dialog-form");
  form.action = `/pipeline/${card.dataset.id}/stage`;
  form.querySelector("input[name=from]").value = card.dataset.stage;
  document.getElementById("lost-dialog-deal").textContent = card.querySelector("strong a").textContent;
  lostDialog.showModal();
  document.getElementById("lost-dialog-reason").focus();
}

document.getElementById("lost-dialog-cancel")?.addEventListener("click", () => lostDialog.close());

document.querySelectorAll(".card-deal").forEach((card) => {
  card.addEventListener("dragstart", (event) => event.dataTransfer.setData("text/plain", card.dataset.id));
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
    if (zone.dataset.lost) askWhyLost(card);
    else move(card, zone.dataset.stage);
  });
});

// A menu closes with Escape and gives the focus back to its button.
document.querySelectorAll("details.card-menu").forEach((menu) => {
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
});
