// Live totals while a draft's lines are edited. The server recomputes them exactly
// (in decimal) when the lines are saved; this is only a preview, rounded to cents.
// Without JavaScript the forms work the same: Save lines, Remove and Add line post.
(function () {
  const form = document.getElementById("lines");
  if (!form || !form.querySelector("input[name^=quantity]")) return;
  const cents = (x) => (Math.round((x + Number.EPSILON) * 100) / 100).toFixed(2);
  // Drawn as the server draws them: grouped, two decimals ("12,000.00").
  const shown = (x) => Number(cents(x)).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const value = (name) => {
    const input = form.elements[name];
    const number = input ? Number(input.value.trim().replace(/,/g, "")) : 0;
    return Number.isFinite(number) ? number : 0;
  };
  // A line is pass-through when its kind (the select of a free-text line, or the
  // catalog line's fixed word) says so.
  const passThrough = (row) => {
    const select = form.elements["kind" + row.dataset.index];
    return (select ? select.value : row.dataset.kind).startsWith("pass");
  };
  function update() {
    let subtotal = 0;
    let passed = 0;
    const discount = Number(form.dataset.discount) || 0;
    form.querySelectorAll("tr.line").forEach((row) => {
      const i = row.dataset.index;
      const line = Number(cents(value("quantity" + i) * value("unitPrice" + i) * (1 - value("discount" + i) / 100)));
      row.querySelector(".line-total").textContent = shown(line);
      // A recurring line's total is one bill; the server reads it per month and per term on save.
      if (row.hasAttribute("data-recurring")) return;
      subtotal += line;
      if (passThrough(row)) passed += Number(cents(line * (100 - discount) / 100));
    });
    const total = subtotal - Number(cents(subtotal * discount / 100));
    document.getElementById("subtotal").textContent = shown(subtotal);
    document.getElementById("total").textContent = shown(total);
    const services = document.getElementById("service-value");
    const through = document.getElementById("pass-through-value");
    if (services && through) {
      services.textContent = shown(total - passed);
      through.textContent = shown(passed);
    }
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
})();
