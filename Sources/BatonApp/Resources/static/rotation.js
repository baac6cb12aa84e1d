// The rotation board: days of an assignment selected (click, shift-click; or Enter and
// Shift with the arrow keys), then dragged onto another cell or picked up (M) and moved
// with the arrow keys and dropped with Enter, fill the page's own "Move days" form and
// send it, so the server judges every move as the API's move-days does. Dragging a day
// that is not selected moves the whole assignment. Without this script the form does it all.
const board = document.querySelector("table.rotation");
const moveForm = document.getElementById("rotation-move");
const statusLine = document.getElementById("rotation-status");

if (board && moveForm) {
  const columnDays = Number(board.dataset.columnDays || "1");
  const boardFrom = board.dataset.from;
  const rows = Array.from(board.querySelectorAll("tbody tr"));
  const headings = Array.from(board.querySelectorAll("thead th")).slice(1);
  const personOf = (row) => row.querySelector("th").firstChild.textContent.trim();
  const columnName = (index) => headings[index]?.textContent.replace(/\s+/g, " ").trim() ?? "";
  // { chip, block, rowIndex, anchor, first, last (columns), pickedUp, target: { rowIndex, column } }
  let selection = null;

  // The first day of a column, ISO, from the board's first day (no time zone: noon UTC).
  function dayOf(column, extra = 0) {
    const d = new Date(`${boardFrom}T12:00:00Z`);
    d.setUTCDate(d.getUTCDate() + column * columnDays + extra);
    return d.toISOString().slice(0, 10);
  }

  // first/last: the block's columns, or null for the whole assignment; the server keeps to the assignment's days.
  function send(block, userId, shift, first, last) {
    moveForm.elements.block.value = block;
    moveForm.elements.userId.value = userId;
    moveForm.elements.shift.value = String(shift);
    moveForm.elements.first.value = first === null ? "" : dayOf(first);
    moveForm.elements.last.value = last === null ? "" : dayOf(last, columnDays - 1);
    moveForm.submit();
  }

  // Moves from (rowIndex, column) to (toRow, toColumn): another person, and/or whole columns later or earlier.
  function moveTo(block, fromRow, fromColumn, toRow, toColumn, first, last) {
    const shift = (toColumn - fromColumn) * columnDays;
    if (shift === 0 && fromRow === toRow) return false;
    send(block, rows[toRow].dataset.user, shift, first, last);
    return true;
  }

  function where(chip) {
    const cell = chip.closest("td");
    return { rowIndex: rows.indexOf(cell.closest("tr")), column: Number(cell.dataset.column) };
  }

  function cellAt(rowIndex, column) {
    return rows[rowIndex]?.querySelector(`td[data-column="${column}"]`);
  }

  // The block's chips in one row, by column: how far a selection can reach.
  function chipsOf(block, rowIndex) {
    return Array.from(rows[rowIndex].querySelectorAll("button.chip")).filter((c) => c.dataset.block === block);
  }

  function selected(chip) {
    if (!selection || chip.dataset.block !== selection.block) return false;
    const at = where(chip);
    return at.rowIndex === selection.rowIndex && at.column >= selection.first && at.column <= selection.last;
  }

  function mark() {
    board.querySelectorAll("button.chip").forEach((chip) => {
      const mine = selected(chip);
      chip.setAttribute("aria-pressed", mine ? "true" : "false");
      chip.classList.toggle("selected", mine);
    });
  }

  function daysText(first, last) {
    const n = (last - first + 1) * columnDays;
    return columnDays === 1 ? `${n} day${n === 1 ? "" : "s"}` : `${last - first + 1} week${last === first ? "" : "s"}`;
  }

  function showTarget() {
    board.querySelectorAll("td.drop-target").forEach((cell) => cell.classList.remove("drop-target"));
    mark();
    if (!selection) return;
    const what = `${selection.chip.textContent.trim()}, ${daysText(selection.first, selection.last)} from ${columnName(selection.first)}`;
    if (!selection.pickedUp) {
      statusLine.textContent = `${what} selected. Shift with the arrow keys selects more days, M or an arrow key picks them up, Escape cancels.`;
      return;
    }
    const { rowIndex, column } = selection.target;
    cellAt(rowIndex, column)?.classList.add("drop-target");
    const days = (column - selection.first) * columnDays;
    const when = days === 0 ? "same days" : `${Math.abs(days)} day${Math.abs(days) === 1 ? "" : "s"} ${days > 0 ? "later" : "earlier"}`;
    statusLine.textContent = `${what}: to ${personOf(rows[rowIndex])}, ${columnName(column)} (${when}). `
      + "Arrow keys choose the person and the day, Enter moves, Escape cancels.";
  }

  function cancel(message) {
    selection = null;
    showTarget();
    statusLine.textContent = message ?? "";
  }

  function select(chip, extend) {
    const at = where(chip);
    if (extend && selection && selection.block === chip.dataset.block && selection.rowIndex === at.rowIndex) {
      selection.first = Math.min(selection.anchor, at.column);
      selection.last = Math.max(selection.anchor, at.column);
    } else if (selection && selection.chip === chip && selection.first === selection.last) {
      cancel("Move cancelled.");
      return;
    } else {
      selection = { chip, block: chip.dataset.block, rowIndex: at.rowIndex, anchor: at.column, first: at.column, last: at.column,
                    pickedUp: false, target: { rowIndex: at.rowIndex, column: at.column } };
    }
    selection.target = { rowIndex: selection.rowIndex, column: selection.first };
    showTarget();
  }

  // Shift with an arrow: the end away from the anchor moves by a column, within the block's days in this row.
  function extend(by) {
    const columns = chipsOf(selection.block, selection.rowIndex).map((c) => where(c).column);
    const [low, high] = [Math.min(...columns), Math.max(...columns)];
    if (by > 0) {
      if (selection.first < selection.anchor) selection.first += 1; else selection.last = Math.min(high, selection.last + 1);
    } else if (selection.last > selection.anchor) selection.last -= 1; else selection.first = Math.max(low, selection.first - 1);
    selection.target = { rowIndex: selection.rowIndex, column: selection.first };
  }

  board.querySelectorAll("button.chip").forEach((chip) => {
    chip.addEventListener("click", (event) => select(chip, event.shiftKey));
    chip.addEventListener("keydown", (event) => {
      if (!selection || selection.chip !== chip) return;
      const t = selection.target;
      const columns = headings.length;
      const arrows = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
      if (event.key in arrows && event.shiftKey && !selection.pickedUp) {
        const [, by] = arrows[event.key];
        if (by !== 0) extend(by);
      } else if (event.key in arrows) {
        const [down, right] = arrows[event.key];
        // An arrow picks the days up if M did not, and moves them.
        selection.pickedUp = true;
        t.rowIndex = Math.max(0, Math.min(rows.length - 1, t.rowIndex + down));
        t.column = Math.max(0, Math.min(columns - 1, t.column + right));
      } else if (event.key === "m" || event.key === "M") {
        selection.pickedUp = true;
      } else if (event.key === "Enter") {
        event.preventDefault();
        if (!selection.pickedUp) { statusLine.textContent = "Press M to pick the days up first."; return; }
        if (!moveTo(selection.block, selection.rowIndex, selection.first, t.rowIndex, t.column, selection.first, selection.last)) {
          cancel("Not moved: same person, same days.");
        } else statusLine.textContent = "Moving…";
        return;
      } else if (event.key === "Escape") {
        event.preventDefault();
        cancel("Move cancelled.");
        return;
      } else return;
      event.preventDefault();
      showTarget();
    });
    chip.addEventListener("dragstart", (event) => {
      const at = where(chip);
      // The selected days when this chip is one of them; else the whole assignment.
      const days = selected(chip) ? { first: selection.first, last: selection.last } : { first: null, last: null };
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", JSON.stringify({ block: chip.dataset.block, ...at, ...days }));
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
      moveTo(from.block, from.rowIndex, from.column, rows.indexOf(cell.closest("tr")), Number(cell.dataset.column), from.first, from.last);
    });
  });
}
