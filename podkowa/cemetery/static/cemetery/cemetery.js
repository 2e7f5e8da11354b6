/* The grave page's map: quarters, alleys (stairs dashed), entrances, the grave, the drone
   orthophoto under them, and the way to the grave when one was asked for. The steps are in the
   page already (rendered by the server); this only draws. Without JavaScript the page works. */
(function () {
  "use strict";

  function getJSON(url) {
    return fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; });
  }

  function drawCemetery(map, data, el) {
    if (!data) { return; }
    var info = data.cemetery || {};
    if (info.orthophoto && info.orthophoto.bounds) {
      L.imageOverlay(info.orthophoto.url, info.orthophoto.bounds, {
        alt: el.dataset.orthophotoLabel || "", className: "orthophoto"
      }).addTo(map).bringToBack();
    }
    var features = (data.features || []).filter(function (f) {
      return f.properties && f.properties.kind !== "grave";
    });
    L.geoJSON({type: "FeatureCollection", features: features}, {
      style: function (feature) {
        var p = feature.properties;
        if (p.kind === "quarter") {
          return {className: "map-quarter", color: "#5b6b5f", weight: 1, fillOpacity: 0.08};
        }
        if (p.kind === "entrance") {
          return {className: "map-entrance", color: "#1f5f3f", fillOpacity: 0.9};
        }
        return {className: p.stairs ? "map-alley map-alley--stairs" : "map-alley",
                color: p.stairs ? "#8a5a00" : "#6f7f73", weight: 3,
                dashArray: p.stairs ? "4 4" : null};
      },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, {radius: 6, className: "map-entrance", color: "#1f5f3f",
                                       fillOpacity: 0.9});
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        if (p.kind === "entrance") { layer.bindTooltip(p.name, {permanent: true}); }
        if (p.kind === "quarter") { layer.bindTooltip(p.code, {permanent: true, direction: "center", className: "map-quarter-label"}); }
      }
    }).addTo(map);
  }

  function drawRoute(map, el) {
    var url = el.dataset.routeUrl;
    if (!url) { return; }
    getJSON(url).then(function (feature) {
      if (!feature || !feature.geometry) { return; }
      var line = L.geoJSON(feature, {style: {className: "route-line", color: "#b3261e", weight: 5}});
      line.addTo(map);
      map.fitBounds(line.getBounds(), {padding: [24, 24]});
      el.dataset.routeDrawn = String(feature.properties.steps.length);
    });
  }

  function init() {
    var el = document.getElementById("grave-map");
    if (!el || typeof L === "undefined") { return; }
    var lat = parseFloat(el.dataset.lat);
    var lon = parseFloat(el.dataset.lon);
    var map = L.map(el, {maxZoom: 22, attributionControl: false});
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, {maxZoom: 22, maxNativeZoom: 19}).addTo(map);
    }
    if (!isNaN(lat) && !isNaN(lon)) {
      map.setView([lat, lon], 19);
    } else {
      map.setView([52.12, 20.73], 15);
    }
    getJSON(el.dataset.mapUrl).then(function (data) {
      drawCemetery(map, data, el);
      if (!isNaN(lat) && !isNaN(lon)) {
        L.circleMarker([lat, lon], {radius: 8, className: "map-grave", color: "#b3261e",
                                    fillColor: "#b3261e", fillOpacity: 1})
          .bindTooltip(el.dataset.graveLabel || "", {permanent: true, direction: "top"})
          .addTo(map);
      }
      drawRoute(map, el);
      el.dataset.mapReady = "1";
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
