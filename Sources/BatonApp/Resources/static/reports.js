// Draws the reports' charts from the numbers the page already shows in its tables.
(function () {
  if (typeof Chart === "undefined") return;
  const number = (values) => values.map((v) => (v === null ? null : Number(v)));
  // Amounts on an axis and in a tooltip read as in the tables: "USD 30,000".
  const money = (currency) => (v) => currency + " " + Number(v).toLocaleString("en-US", { maximumFractionDigits: 0 });
  const moneyOptions = (currency, stacked) => ({
    responsive: true,
    scales: { x: { stacked: stacked }, y: { stacked: stacked, ticks: { callback: money(currency) } } },
    plugins: { tooltip: { callbacks: { label: (item) => item.dataset.label + ": " + money(currency)(item.raw) } } },
  });
  const forecast = document.getElementById("forecast-chart");
  if (forecast) {
    const d = JSON.parse(forecast.dataset.chart);
    new Chart(forecast, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [
          { label: "Closed", data: number(d.closed), backgroundColor: "#1a7f37" },
          { label: "Commit", data: number(d.commit), backgroundColor: "#0b5cad" },
          { label: "Best case", data: number(d.bestCase), backgroundColor: "#6ea8e0" },
          { label: "Pipeline", data: number(d.pipeline), backgroundColor: "#c9d9ec" },
        ],
      },
      options: moneyOptions(d.currency, true),
    });
  }
  const attainment = document.getElementById("attainment-chart");
  if (attainment) {
    const d = JSON.parse(attainment.dataset.chart);
    new Chart(attainment, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [
          { label: "Credited", data: number(d.credited), backgroundColor: "#0b5cad" },
          { label: "Quota", data: number(d.quota), backgroundColor: "#d1d9e0" },
        ],
      },
      options: moneyOptions(d.currency, false),
    });
  }

  // The report pages (/reports/pipeline, sales-performance, delivery, growth): each
  // canvas carries its chart in data-spec (ReportChart in Web/ReportPages.swift):
  // labels, named series of decimal strings, the unit, and whether the bars lie
  // down or stack. The table below each chart holds the same numbers.
  const tones = { accent: "#0b5cad", light: "#8fb8e3", won: "#1a7f37", lost: "#8c959f" };
  const formatter = (spec) => {
    const grouped = (v, digits) => Number(v).toLocaleString("en-US", { maximumFractionDigits: digits });
    switch (spec.unit) {
      case "money": return (v) => spec.currency + " " + grouped(v, 0);
      case "percent": return (v) => grouped(v, 1) + "%";
      case "hours": return (v) => grouped(v, 1) + " h";
      default: return (v) => grouped(v, 0);
    }
  };
  document.querySelectorAll("canvas[data-spec]").forEach((canvas) => {
    const spec = JSON.parse(canvas.dataset.spec);
    if (!spec.labels || spec.labels.length === 0) return;
    const format = formatter(spec);
    const value = spec.horizontal ? "x" : "y";
    const category = spec.horizontal ? "y" : "x";
    const scales = {};
    scales[value] = { beginAtZero: true, stacked: spec.stacked, ticks: { callback: format } };
    if (spec.unit === "count") scales[value].ticks.precision = 0;
    if (spec.unit === "percent") scales[value].suggestedMax = 100; // a bar's length against full capacity
    scales[category] = { stacked: spec.stacked };
    const options = {
      responsive: true,
      indexAxis: spec.horizontal ? "y" : "x",
      scales: scales,
      plugins: {
        legend: { display: spec.series.length > 1 },
        tooltip: { callbacks: { label: (item) => item.dataset.label + ": " + format(item.raw) } },
      },
    };
    if (window.matchMedia("(prefers-reduced-motion: reduce)").matches) options.animation = false;
    if (spec.horizontal) {
      // One bar row per label: the chart grows with the people or skills it shows.
      const width = canvas.parentElement.clientWidth || 600;
      options.aspectRatio = width / (60 + 30 * spec.labels.length);
    }
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.series.map((s) => ({ label: s.label, data: number(s.data), backgroundColor: tones[s.tone] || tones.accent })),
      },
      options: options,
    });
  });
})();
