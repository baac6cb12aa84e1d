// Draws the reports' charts from the numbers the page already shows in its tables.
(function () {
  if (typeof Chart === "undefined") return;
  const number = (values) => values.map((v) => (v === null ? null : Number(v)));
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
      options: { responsive: true, scales: { x: { stacked: true }, y: { stacked: true } } },
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
      options: { responsive: true },
    });
  }
})();
