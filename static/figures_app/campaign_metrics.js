// Campaign form, "Figures asked for": add a metric row from the empty form. Without script the
// form always carries one empty row, so a metric can still be added on each save.
(function () {
  const button = document.getElementById("add-metric");
  const template = document.getElementById("metric-empty");
  const total = document.getElementById("id_metrics-TOTAL_FORMS");
  if (!button || !template || !total) return;
  button.addEventListener("click", () => {
    const n = parseInt(total.value, 10);
    const html = template.innerHTML.replace(/__prefix__/g, String(n));
    document.getElementById("metric-rows").insertAdjacentHTML("beforeend", html);
    total.value = n + 1;
    const rows = document.querySelectorAll("#metric-rows .metric-row");
    rows[rows.length - 1].querySelector("input[type=text]").focus();
  });
})();
