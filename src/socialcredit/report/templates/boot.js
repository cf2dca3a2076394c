// Draw every chart once the library is parsed; a failure in one chart must not blank the
// others.
(function () {
  var figures = JSON.parse(document.getElementById("figures").textContent);
  Object.keys(figures).forEach(function (id) {
    var f = figures[id];
    try {
      Plotly.newPlot(id, f.data, f.layout, {responsive: true, displaylogo: false});
    } catch (e) {
      document.getElementById(id).textContent = "This chart could not be drawn: " + e;
      throw e;
    }
  });
})();
