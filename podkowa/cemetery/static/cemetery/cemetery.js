/* The cemetery's maps: quarters, alleys (stairs dashed), entrances, the drone orthophoto under
   them, and the way to a grave.

   On a grave's page the steps are in the page already (rendered by the server); this only
   draws, and asks the service worker to keep what the cemetery's page needs offline. On the
   cemetery's page (#offline-finder) it searches the cemetery's offline pack
   (podkowa/cemetery/selectors/offline.py) and shows the grave, its route and steps from it:
   the same with a network or without one. Texts come from the page (data-text-*), in its
   language. Without JavaScript both pages still work through the server. */
(function () {
  "use strict";

  function getJSON(url) {
    return fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; });
  }

  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (all, name) {
      return values[name] !== undefined ? String(values[name]) : all;
    });
  }

  // The service worker fetches and keeps these (podkowa/web/templates/web/sw.js): the
  // cemetery's page and its offline pack, once the cemetery's map has been opened.
  function keepOffline(el, extra) {
    var urls = (el.dataset.keepUrls || "").split(" ").filter(Boolean).concat(extra || []);
    if (!urls.length || !("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "kept-public") { el.dataset.offlineKept = "1"; }
    });
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) {
        registration.active.postMessage({type: "keep-public", urls: urls});
      }
    });
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
    var layer = L.geoJSON({type: "FeatureCollection", features: features}, {
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
    return layer;
  }

  function graveMarker(map, latlng, label) {
    return L.circleMarker(latlng, {radius: 8, className: "map-grave", color: "#b3261e",
                                   fillColor: "#b3261e", fillOpacity: 1})
      .bindTooltip(label || "", {permanent: true, direction: "top"})
      .addTo(map);
  }

  // A route Feature as the route API gives it (or as decoded from the offline pack).
  function drawRouteFeature(map, feature, el) {
    var line = L.geoJSON(feature, {style: {className: "route-line", color: "#b3261e", weight: 5}});
    line.addTo(map);
    map.fitBounds(line.getBounds(), {padding: [24, 24]});
    el.dataset.routeDrawn = String(feature.properties.steps.length);
    return line;
  }

  function newMap(el) {
    var lat = parseFloat(el.dataset.lat);
    var lon = parseFloat(el.dataset.lon);
    var map = L.map(el, {maxZoom: 22, attributionControl: false});
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, {maxZoom: 22, maxNativeZoom: 19}).addTo(map);
    }
    if (!isNaN(lat) && !isNaN(lon)) {
      map.setView([lat, lon], parseInt(el.dataset.zoom || "19", 10));
    } else {
      map.setView([52.12, 20.73], 15);
    }
    return map;
  }

  function orthophotoUrl(data) {
    var info = (data && data.cemetery) || {};
    return info.orthophoto && info.orthophoto.url ? [info.orthophoto.url] : [];
  }

  function initGravePage(el) {
    var lat = parseFloat(el.dataset.lat);
    var lon = parseFloat(el.dataset.lon);
    var map = newMap(el);
    getJSON(el.dataset.mapUrl).then(function (data) {
      drawCemetery(map, data, el);
      if (!isNaN(lat) && !isNaN(lon)) {
        graveMarker(map, [lat, lon], el.dataset.graveLabel);
      }
      var url = el.dataset.routeUrl;
      if (url) {
        getJSON(url).then(function (feature) {
          if (feature && feature.geometry) { drawRouteFeature(map, feature, el); }
        });
      }
      el.dataset.mapReady = "1";
      keepOffline(el, orthophotoUrl(data));
    });
  }

  // --- the cemetery's page: search and route from the offline pack ----------------------

  // Folding as podkowa/cemetery/text.py does it, by the table the pack carries: lower case,
  // the letters decomposition does not strip (ł → l), then accents off; a feminine surname
  // ending as the masculine one (Kowalska → kowalski), by the pack's pattern, so either
  // form typed finds both.
  function folder(table, feminine) {
    var ending = feminine ? new RegExp(feminine) : null;
    return function (value) {
      var lowered = String(value || "").toLowerCase();
      var out = "";
      for (var i = 0; i < lowered.length; i++) {
        var letter = lowered.charAt(i);
        out += Object.prototype.hasOwnProperty.call(table, letter) ? table[letter] : letter;
      }
      return out.normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
        .split(/[^a-z]+/).filter(Boolean)
        .map(function (word) { return ending ? word.replace(ending, "$1i") : word; });
    };
  }

  function packIndex(pack) {
    var fold = folder(pack.fold || {}, pack.feminine);
    var entrances = {};
    (pack.entrances || []).forEach(function (e) { entrances[e[0]] = e[1]; });
    var people = [];
    var graves = {};
    pack.graves.forEach(function (g) {
      graves[g[0]] = g;
      g[4].forEach(function (b) {
        people.push({grave: g, burial: b,
                     words: fold(b[0]).concat(fold(b[1]), fold(b[2]))});
      });
    });
    people.sort(function (a, b) {
      return (a.burial[0] + " " + a.burial[1]).localeCompare(b.burial[0] + " " + b.burial[1], "pl");
    });
    return {pack: pack, fold: fold, people: people, graves: graves, entrances: entrances};
  }

  // Every typed word must begin some word of the person's names (surname, given, maiden).
  function search(index, query) {
    var wanted = index.fold(query);
    if (!wanted.length) { return []; }
    return index.people.filter(function (person) {
      return wanted.every(function (word) {
        return person.words.some(function (name) { return name.indexOf(word) === 0; });
      });
    });
  }

  // The step-free way is the pack's seventh field: true when the shortest way has no stairs.
  function routeFeature(index, grave, stepFree) {
    var route = stepFree ? (grave[6] === true ? grave[5] : grave[6]) : grave[5];
    if (!route) { return null; }
    var pack = index.pack;
    return {
      type: "Feature",
      geometry: {type: "LineString", coordinates: route[2].map(function (c) {
        return typeof c === "number" ? pack.points[c] : c;
      })},
      properties: {
        grave_id: grave[0], entrance: {id: route[0], name: index.entrances[route[0]] || ""},
        length_m: route[1], step_free: !!stepFree,
        steps: route[3].map(function (i) {
          var s = pack.steps[i];
          return {instruction: s[0], distance_m: s[1], maneuver: s[2], alley: s[3]};
        })
      }
    };
  }

  function years(burial) {
    if (!burial[3] && !burial[4]) { return ""; }
    return (burial[3] || "?") + " – " + (burial[4] || "?");
  }

  function personLine(burial, text) {
    var name = (burial[0] + " " + burial[1]).trim();
    return burial[2] ? name + " (" + text.nee + " " + burial[2] + ")" : name;
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content) { node.textContent = content; }
    return node;
  }

  function initFinder(finder, mapEl) {
    var text = {};
    Object.keys(finder.dataset).forEach(function (key) {
      if (key.indexOf("text") === 0 && key.length > 4) {
        var name = key.charAt(4).toLowerCase() + key.slice(5);
        text[name] = finder.dataset[key];
      }
    });
    var form = document.getElementById("offline-search");
    var input = document.getElementById("offline-q");
    var status = document.getElementById("offline-status");
    var results = document.getElementById("offline-results");
    var shown = document.getElementById("offline-grave");
    var heading = document.getElementById("offline-grave-name");
    var stepFree = document.getElementById("offline-step-free");
    var current = null;
    var map = newMap(mapEl);
    var index = null;
    var drawn = [];
    var limit = 50;

    function place(grave) {
      return fill(text.place, {quarter: grave[1], row: grave[2], number: grave[3]});
    }

    function list() {
      results.textContent = "";
      if (!index) { return; }
      var query = input.value;
      if (!index.fold(query).length) { status.textContent = ""; return; }
      var found = search(index, query);
      status.textContent = found.length ? fill(text.found, {count: found.length}) +
        (found.length > limit ? " " + fill(text.more, {count: limit}) : "") : text.none;
      found.slice(0, limit).forEach(function (person) {
        var item = element("li", "grave-result");
        var link = element("a", "grave-result__name",
                           (person.burial[0] + " " + person.burial[1]).trim());
        link.href = "#grob-" + person.grave[0];
        item.appendChild(link);
        if (person.burial[2]) {
          item.appendChild(element("span", "muted", "(" + text.nee + " " + person.burial[2] + ")"));
        }
        if (years(person.burial)) {
          item.appendChild(element("span", "grave-result__dates", years(person.burial)));
        }
        item.appendChild(element("span", "grave-result__place", place(person.grave)));
        results.appendChild(item);
      });
    }

    function show(graveId, focus) {
      var grave = index && index.graves[graveId];
      if (!grave) { return; }
      current = graveId;
      drawn.forEach(function (layer) { map.removeLayer(layer); });
      drawn = [];
      var names = grave[4].map(function (b) { return (b[0] + " " + b[1]).trim(); });
      heading.textContent = names.join(", ");
      document.getElementById("offline-grave-place").textContent = place(grave);
      var people = document.getElementById("offline-grave-people");
      people.textContent = "";
      grave[4].forEach(function (b) {
        var item = element("li", "burial");
        item.appendChild(element("p", "burial__name", personLine(b, text)));
        if (years(b)) { item.appendChild(element("p", "", years(b))); }
        people.appendChild(item);
      });
      var steps = document.getElementById("route-steps");
      steps.textContent = "";
      var feature = routeFeature(index, grave, stepFree.checked);
      var title = document.getElementById("offline-route-title");
      if (feature) {
        title.textContent = fill(text.from, {entrance: feature.properties.entrance.name,
                                             length: feature.properties.length_m});
        feature.properties.steps.forEach(function (s) {
          steps.appendChild(element("li", "", s.instruction));
        });
        drawn.push(drawRouteFeature(map, feature, mapEl));
        var end = feature.geometry.coordinates[feature.geometry.coordinates.length - 1];
        drawn.push(graveMarker(map, [end[1], end[0]], place(grave)));
      } else {
        title.textContent = stepFree.checked && grave[5] ? text.noStepFree : text.noRoute;
        delete mapEl.dataset.routeDrawn;
      }
      var page = document.getElementById("offline-grave-page");
      page.href = finder.dataset.graveUrl.replace(/\/0\/$/, "/" + grave[0] + "/");
      shown.hidden = false;
      if (focus) { heading.focus(); }
    }

    function fromHash(focus) {
      var match = /^#grob-(\d+)$/.exec(window.location.hash);
      if (match) { show(parseInt(match[1], 10), focus); }
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      list();
    });
    input.addEventListener("input", list);
    stepFree.addEventListener("change", function () {
      if (current !== null) { show(current, false); }
    });
    window.addEventListener("hashchange", function () { fromHash(true); });

    getJSON(mapEl.dataset.mapUrl).then(function (data) {
      var layer = drawCemetery(map, data, mapEl);
      if (layer && layer.getLayers().length && !mapEl.dataset.lat) {
        map.fitBounds(layer.getBounds(), {padding: [16, 16]});
      }
      mapEl.dataset.mapReady = "1";
      keepOffline(finder, orthophotoUrl(data));
    }).catch(function () { mapEl.dataset.mapReady = "0"; });
    getJSON(finder.dataset.packUrl).then(function (pack) {
      if (!pack || !pack.graves) { throw new Error("no pack"); }
      index = packIndex(pack);
      finder.dataset.graves = String(pack.graves.length);
      list();
      fromHash(false);
    }).catch(function () { status.textContent = text.missing; });
  }

  function init() {
    if (typeof L === "undefined") { return; }
    var mapEl = document.getElementById("grave-map");
    if (!mapEl) { return; }
    var finder = document.getElementById("offline-finder");
    if (finder) {
      initFinder(finder, mapEl);
    } else {
      initGravePage(mapEl);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
