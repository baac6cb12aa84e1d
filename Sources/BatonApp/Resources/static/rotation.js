// The rotation board: a block dragged onto another cell, or selected and moved with the
// arrow keys, fills the page's own "Move a block" form and sends it, so the server judges
// every move as the API judges a change of assignment. Without this script the form does it all.
const board = document.querySelector("table.rotation");
const moveForm = document.getElementById("rotation-move");
const statusLine = document.getElementById("rotation-status");

if (board && moveForm) {
  const columnDays = Number(board.dataset.columnDays || "1");
  const rows = Array.from(board.querySelectorAll("tbody tr"));
  const headings = Array.from(board.querySelectorAll("thead th")).slice(1);
  const personOf = (row) => row.querySelector("th").firstChild.textContent.trim();
  const columnName = (index) => headings[index]?.textContent.replace(/\s+/g, " ").trim() ?? "";
  let selection = null; // { chip, block, rowIndex, column, target: { rowIndex, column } }

  function send(block, userId, shift) {
    moveForm.elements.block.value = block;
    moveForm.elements.userId.value = userId;
    moveForm.elements.shift.value = String(shift);
    moveForm.submit();
  }

  // Moves the block from (rowIndex, column) to (target): another person, and/or whole columns later or earlier.
  function moveTo(block, fromRow, fromColumn, toRow, toColumn) {
    const shift = (toColumn - fromColumn) * columnDays;
    if (shift === 0 && fromRow === toRow) return false;
    send(block, rows[toRow].dataset.user, shift);
    return true;
  }

  function where(chip) {
    const cell = chip.closest("td");
    return { rowIndex: rows.indexOf(cell.closest("tr")), column: Number(cell.dataset.column) };
  }

  function cellAt(rowIndex, column) {
    return rows[rowIndex]?.querySelector(`td[data-column="${column}"]`);
  }

  function mark(block, on) {
    board.querySelectorAll("button.chip").forEach((chip) => {
      const mine = on && chip.dataset.block === block;
      chip.setAttribute("aria-pressed", mine ? "true" : "false");
      chip.classList.toggle("selected", mine);
    });
  }

  function showTarget() {
    board.querySelectorAll("td.drop-target").forEach((cell) => cell.classList.remove("drop-target"));
    if (!selection) return;
    const { rowIndex, column } = selection.target;
    cellAt(rowIndex, column)?.classList.add("drop-target");
    const days = (column - selection.column) * columnDays;
    const when = days === 0 ? "same days" : `${Math.abs(days)} day${Math.abs(days) === 1 ? "" : "s"} ${days > 0 ? "later" : "earlier"}`;
    statusLine.textContent = `${selection.chip.textContent.trim()}: to ${personOf(rows[rowIndex])}, ${columnName(column)} (${when}). `
      + "Arrow keys choose the person and the day, Enter moves, Escape cancels.";
  }

  function cancel(message) {
    if (selection) mark(selection.block, false);
    selection = null;
    showTarget();
    statusLine.textContent = message ?? "";
  }

  board.querySelectorAll("button.chip").forEach((chip) => {
    chip.addEventListener("click", () => {
      if (selection && selection.chip === chip) { cancel("Move cancelled."); return; }
      if (selection) mark(selection.block, false);
      const at = where(chip);
      selection = { chip, block: chip.dataset.block, ...at, target: { ...at } };
      mark(selection.block, true);
      showTarget();
    });
    chip.addEventListener("keydown", (event) => {
      if (!selection || selection.chip !== chip) return;
      const t = selection.target;
      const columns = headings.length;
      switch (event.key) {
        case "ArrowLeft": t.column = Math.max(0, t.column - 1); break;
        case "ArrowRight": t.column = Math.min(columns - 1, t.column + 1); break;
        case "ArrowUp": t.rowIndex = Math.max(0, t.rowIndex - 1); break;
        case "ArrowDown": t.rowIndex = Math.min(rows.length - 1, t.rowIndex + 1); break;
        case "Enter":
          event.preventDefault();
          if (!moveTo(selection.block, selection.rowIndex, selection.column, t.rowIndex, t.column)) cancel("Not moved: same person, same days.");
          else statusLine.textContent = "Moving…";
          return;
        case "Escape": event.preventDefault(); cancel("Move cancelled."); return;
        default: return;
      }
      event.preventDefault();
      showTarget();
    });
    chip.addEventListener("dragstart", (event) => {
      const at = where(chip);
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", JSON.stringify({ block: chip.dataset.block, ...at }));
    });
  });

  board.querySelectorAll("td.rotation-cell").forEach((cell) => {
    cell.addEventListener("dragover", (event) => {
      event.preventDefault();
      cell.classList.add("drop-target");
    });
    cell.addEventListener("dragleave", () => cell.classList.remove("drop-target"));
    cell.addEventListener("drop", (event) => {
      event.preventDefault();
      cell.classList.remove("drop-target");
      let from;
      try { from = JSON.parse(event.dataTransfer.getData("text/plain")); } catch { return; }
      if (!from || !from.block) return;
      moveTo(from.block, from.rowIndex, from.column, rows.indexOf(cell.closest("tr")), Number(cell.dataset.column));
    });
  });
}
