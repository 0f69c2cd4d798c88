// Dashboard tiles: events that raised alerts per day, stacked by dimension and by severity.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("alert-trend-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const severityColours = {info: "#9aa5b1", low: "#6fa8dc", medium: "#f1c232", high: "#e69138", critical: "#cc0000"};
  document.querySelectorAll("[data-series]").forEach((el) => {
    const key = el.dataset.series;
    const series = data[key].map((item) => ({
      name: item.name, type: "bar", stack: "total", data: item.data,
      itemStyle: key === "severities" ? {color: severityColours[item.key]} : undefined,
    }));
    echarts.init(el).setOption({
      tooltip: {trigger: "axis"}, legend: {top: 0},
      grid: {left: 40, right: 20, top: 30, bottom: 30},
      xAxis: {type: "category", data: data.labels.map((d) => d.slice(5))},
      yAxis: {type: "value", minInterval: 1},
      series,
    });
  });
});
