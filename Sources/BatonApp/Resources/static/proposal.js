// Live totals while a draft's lines are edited. The server recomputes them exactly
// (in decimal) when the lines are saved; this is only a preview, rounded to cents.
(function () {
  const form = document.getElementById("lines");
  if (!form || !form.querySelector("input[name^=quantity]")) return;
  const cents = (x) => (Math.round((x + Number.EPSILON) * 100) / 100).toFixed(2);
  function update() {
    let subtotal = 0;
    form.querySelectorAll("tr.line").forEach((row, i) => {
      const q = Number(form.elements["quantity" + i].value) || 0;
      const p = Number(form.elements["unitPrice" + i].value) || 0;
      const d = Number(form.elements["discount" + i].value) || 0;
      const line = Number(cents(q * p * (1 - d / 100)));
      row.querySelector(".line-total").textContent = cents(line);
      subtotal += line;
    });
    const discount = Number(form.dataset.discount) || 0;
    document.getElementById("subtotal").textContent = cents(subtotal);
    document.getElementById("total").textContent = cents(subtotal - Number(cents(subtotal * discount / 100)));
  }
  form.addEventListener("input", update);
})();
