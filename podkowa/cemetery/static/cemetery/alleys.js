/* Drawing an alley segment: each click on the map adds a point; the points go into the form's
   coordinates field ([[lon, lat], …]), which also works typed by hand without JavaScript. */
(function () {
  "use strict";

  function init() {
    var el = document.getElementById("alley-editor");
    var field = document.getElementById("alley-coords");
    var undo = document.getElementById("alley-undo");
    if (!el || !field || typeof L === "undefined") { return; }
    var lat = parseFloat(el.dataset.lat);
    var lon = parseFloat(el.dataset.lon);
    var map = L.map(el, {maxZoom: 22, attributionControl: false});
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, {maxZoom: 22, maxNativeZoom: 19}).addTo(map);
    }
    map.setView(isNaN(lat) ? [52.12, 20.73] : [lat, lon], isNaN(lat) ? 15 : 18);
    var points = [];
    var drawn = L.polyline([], {className: "alley-draft", color: "#b3261e", weight: 4}).addTo(map);

    function sync() {
      drawn.setLatLngs(points.map(function (p) { return [p[1], p[0]]; }));
      field.value = points.length ? JSON.stringify(points) : "";
      undo.hidden = points.length === 0;
    }

    fetch(el.dataset.mapUrl, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var alleys = (data.features || []).filter(function (f) {
          return f.properties && f.properties.kind === "alley";
        });
        var layer = L.geoJSON({type: "FeatureCollection", features: alleys}, {
          style: function (f) {
            return {className: "map-alley", color: f.properties.stairs ? "#8a5a00" : "#6f7f73",
                    weight: 3, dashArray: f.properties.stairs ? "4 4" : null};
          },
          onEachFeature: function (f, l) { l.bindTooltip("#" + f.id.replace("alley-", "") + " " + (f.properties.name || "")); }
        }).addTo(map);
        if (alleys.length) { map.fitBounds(layer.getBounds(), {padding: [16, 16]}); }
        el.dataset.mapReady = "1";
      });

    map.on("click", function (event) {
      points.push([Number(event.latlng.lng.toFixed(7)), Number(event.latlng.lat.toFixed(7))]);
      sync();
    });
    undo.addEventListener("click", function () { points.pop(); sync(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
