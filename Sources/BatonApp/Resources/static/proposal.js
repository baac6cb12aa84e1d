// Live totals while a draft's lines are edited. The server recomputes them exactly
// (in decimal) when the lines are saved; this is only a preview, rounded to cents.
// Without JavaScript the forms work the same: Save lines, Remove and Add line post.
(function () {
  const form = document.getElementById("lines");
  if (!form || !form.querySelector("input[name^=quantity]")) return;
  const cents = (x) => (Math.round((x + Number.EPSILON) * 100) / 100).toFixed(2);
  const value = (name) => {
    const input = form.elements[name];
    const number = input ? Number(input.value.trim().replace(/,/g, "")) : 0;
    return Number.isFinite(number) ? number : 0;
  };
  function update() {
    let subtotal = 0;
    form.querySelectorAll("tr.line").forEach((row) => {
      const i = row.dataset.index;
      const line = Number(cents(value("quantity" + i) * value("unitPrice" + i) * (1 - value("discount" + i) / 100)));
      row.querySelector(".line-total").textContent = cents(line);
      subtotal += line;
    });
    const discount = Number(form.dataset.discount) || 0;
    document.getElementById("subtotal").textContent = cents(subtotal);
    document.getElementById("total").textContent = cents(subtotal - Number(cents(subtotal * discount / 100)));
  }
  form.addEventListener("input", update);
})();
