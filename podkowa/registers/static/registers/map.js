/* The registers' map: each register a layer loaded per viewport (objects, or counts per grid
   cell when there are too many to draw), coloured by a chosen field with its legend, the
   object's card, search by value, and for officials placing and moving points and drawing and
   reshaping lines and areas vertex by vertex. Texts come translated from the page
   (map-labels). */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("map-config").textContent);
  var t = JSON.parse(document.getElementById("map-labels").textContent);
  var mapElement = document.getElementById("map");
  var card = document.getElementById("map-card");
  var statusBox = document.getElementById("map-status");
  var registers = {};
  config.registers.forEach(function (r) { registers[r.slug] = r; });

  var map = L.map(mapElement, {preferCanvas: true}).setView(config.center, config.zoom);
  var base = config.base;
  if (base && base.wms) {
    // A WMS draws the background tile by tile in the map's own projection (EPSG:3857).
    L.tileLayer.wms(base.wms, {layers: base.layers, format: base.format, transparent: false,
                               version: "1.3.0", maxZoom: 20, minZoom: 8,
                               attribution: base.attribution}).addTo(map);
  } else if (base && base.tiles) {
    L.tileLayer(base.tiles, {maxZoom: 19, minZoom: 10, attribution: base.attribution})
      .addTo(map);
  }
  // Points above lines and areas: a click near a lamp on its cable opens the lamp.
  map.createPane("regmap-shapes").style.zIndex = 410;
  map.createPane("regmap-points").style.zIndex = 420;
  var shapeRenderer = L.canvas({padding: 0.3, pane: "regmap-shapes"});
  var renderer = L.canvas({padding: 0.3, pane: "regmap-points"});
  var layers = {};
  var pendingClick = null;  // a function taking a LatLng: placing or moving a point
  var sketch = null;  // the line or area being drawn or reshaped
  var lastData = {};  // what each layer drew last, to recolour it without a request
  var drawn = {};  // features (or clusters) each layer holds now

  // --- colouring by a field ---------------------------------------------------------------
  var styleKey = {};
  var styleOptions = {};
  Object.keys(config.styles || {}).forEach(function (slug) {
    styleKey[slug] = config.styles[slug]["default"] || "";
    styleOptions[slug] = {};
    config.styles[slug].options.forEach(function (o) { styleOptions[slug][o.key] = o; });
  });

  function colourFor(slug, properties) {
    var register = registers[slug];
    var option = styleOptions[slug] && styleOptions[slug][styleKey[slug]];
    if (!option) { return register.colour; }
    var value = option.key === "status" ? properties.status : properties[option.key];
    var fallback = register.colour;
    for (var i = 0; i < option.classes.length; i += 1) {
      var c = option.classes[i];
      if (c.none) { fallback = c.colour; continue; }
      if (c.hasOwnProperty("value")) {
        if (c.value === value) { return c.colour; }
      } else if (typeof value === "number" && value >= c.min && (value < c.max ||
                 (c.min === c.max && value === c.max))) {
        return c.colour;
      }
    }
    return fallback;
  }

  function showLegend(slug) {
    document.querySelectorAll("[data-legend]").forEach(function (list) {
      if (list.getAttribute("data-legend") === slug) {
        list.hidden = list.getAttribute("data-key") !== styleKey[slug];
      }
    });
  }

  function say(text) { statusBox.textContent = text || ""; }

  function csrf() {
    var input = document.querySelector("#map-csrf input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function api(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf(),
                "Accept": "application/json"},
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw data; }
        return data;
      });
    });
  }

  function valueText(register, attribute, value) {
    if (value === null || value === undefined || value === "") { return "—"; }
    if (attribute.kind === "boolean") { return value ? t.yes : t.no; }
    if (attribute.kind === "numbers") { value = value.join(", "); }
    if (attribute.choices && attribute.choices.length) {
      var found = attribute.choices.filter(function (c) { return c.code === value; })[0];
      if (found) { return found.label + (found.latin ? " (" + found.latin + ")" : ""); }
    }
    return String(value) + (attribute.unit ? " " + attribute.unit : "");
  }

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function clearCard(title) {
    while (card.firstChild) { card.removeChild(card.firstChild); }
    card.appendChild(el("h2", title, {id: "map-card-title"}));
  }

  function showCard(register, feature) {
    clearCard(register.name);
    card.setAttribute("data-object", feature.id);
    var list = el("dl");
    register.attributes.forEach(function (a) {
      if (a.kind === "photo") { return; }
      list.appendChild(el("dt", a.label));
      list.appendChild(el("dd", valueText(register, a, feature.properties[a.key])));
    });
    list.appendChild(el("dt", t.status));
    list.appendChild(el("dd", t.statuses[feature.properties.status] || feature.properties.status));
    if (feature.properties.length_m !== undefined) {
      list.appendChild(el("dt", t.length));
      list.appendChild(el("dd", Math.round(feature.properties.length_m) + " m"));
    }
    card.appendChild(list);
    var actions = el("div", null, {"class": "actions"});
    if (config.report && register.is_public) {
      var report = el("a", t.report, {"class": "button",
        href: config.report.replace("SLUG", register.slug).replace("999999999", feature.id)});
      actions.appendChild(report);
    }
    if (register.may_edit && feature.geometry.type === "Point") {
      var move = el("button", t.move, {type: "button", "class": "button button--secondary"});
      move.addEventListener("click", function () {
        pickPoint(t.move, t.clickToMove, function (latlng) {
          save(register, feature, {type: "Point", coordinates: roundPair(latlng)}, t.moved);
        });
      });
      actions.appendChild(move);
    }
    var shape = feature.geometry.type;
    if (register.may_edit && (shape === "LineString" || shape === "Polygon")) {
      var reshape = el("button", t.reshape, {type: "button",
                                             "class": "button button--secondary"});
      reshape.addEventListener("click", function () {
        var rings = shape === "Polygon" ? feature.geometry.coordinates
          : [feature.geometry.coordinates];
        var outer = rings[0].map(function (c) { return L.latLng(c[1], c[0]); });
        if (shape === "Polygon") { outer.pop(); }  // the ring's closing point is its first
        sketchStart({kind: shape === "Polygon" ? "polygon" : "line", latlngs: outer,
                     holes: rings.slice(1), title: t.reshape + ": " + register.name,
                     hint: t.dragVertices, done: function (geometry) {
                       save(register, feature, geometry, t.reshaped);
                     }});
      });
      actions.appendChild(reshape);
    }
    card.appendChild(actions);
    card.focus();
  }

  function save(register, feature, geometry, done) {
    api("PATCH", config.api + register.slug + "/objects/" + feature.id, {
      geometry: geometry, version: feature.properties.version
    }).then(function (changed) {
      say(done);
      reload(register.slug);
      showCard(register, changed);
    }).catch(problem);
  }

  function problem(error) {
    var errors = (error && error.errors) || {};
    say(Object.keys(errors).map(function (k) { return [].concat(errors[k]).join(" "); })
        .join(" ") || (error && error.detail) || t.failed);
  }

  function addForm(register, geometry) {
    clearCard(t.newObject + ": " + register.name);
    var form = el("form");
    register.attributes.forEach(function (a) {
      if (!a.required) { return; }
      var id = "new-" + a.key;
      var wrap = el("div", null, {"class": "field"});
      wrap.appendChild(el("label", a.label + (a.unit ? " (" + a.unit + ")" : ""), {"for": id}));
      var input;
      if (a.choices && a.choices.length) {
        input = el("select", null, {id: id, name: a.key, required: "required"});
        a.choices.forEach(function (c) { input.appendChild(el("option", c.label, {value: c.code})); });
      } else {
        input = el("input", null, {id: id, name: a.key, required: "required",
                                   type: a.kind === "number" ? "number" : "text"});
      }
      wrap.appendChild(input);
      form.appendChild(wrap);
    });
    form.appendChild(el("button", t.save, {type: "submit", "class": "button"}));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var properties = {};
      Array.prototype.forEach.call(form.elements, function (input) {
        if (input.name) { properties[input.name] = input.value; }
      });
      api("POST", config.api + register.slug + "/objects", {
        geometry: geometry, properties: properties
      }).then(function (created) {
        say(t.added);
        reload(register.slug);
        showCard(register, created);
      }).catch(problem);
    });
    card.appendChild(form);
    var first = form.querySelector("input, select");
    if (first) { first.focus(); }
  }

  function countDrawn() {
    var total = 0;
    Object.keys(drawn).forEach(function (slug) {
      if (map.hasLayer(layers[slug])) { total += drawn[slug]; }
    });
    mapElement.setAttribute("data-drawn", String(total));
  }

  function draw(slug, data) {
    var register = registers[slug];
    var group = layers[slug];
    group.clearLayers();
    lastData[slug] = data;
    drawn[slug] = data.type === "clusters" ? data.clusters.length : data.features.length;
    countDrawn();
    if (data.type === "clusters") {
      data.clusters.forEach(function (c) {
        var size = Math.min(56, 22 + Math.round(Math.log(c.count) * 4));
        var icon = L.divIcon({className: "regmap__cluster", html: String(c.count),
                              iconSize: [size, size]});
        L.marker([c.lat, c.lon], {icon: icon, keyboard: false, title: register.name + ": " + c.count})
          .on("click", function () { map.setView([c.lat, c.lon], map.getZoom() + 2); })
          .addTo(group);
      });
      return;
    }
    L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, {renderer: renderer, radius: 6, weight: 1,
          color: "#222", fillColor: colourFor(slug, feature.properties),
          fillOpacity: feature.properties.status === "planned" ? 0.35 : 0.9});
      },
      style: function (feature) {
        var colour = colourFor(slug, feature.properties);
        return {renderer: shapeRenderer, color: colour, weight: 4, fillColor: colour,
                fillOpacity: 0.3, dashArray: feature.properties.status === "planned"
                  ? "8 6" : null};
      },
      onEachFeature: function (feature, layer) {
        layer.on("click", function (event) {
          L.DomEvent.stopPropagation(event);
          if (sketch) { sketchAdd(event.latlng); return; }
          if (pendingClick) { takeClick(event.latlng); return; }
          showCard(register, feature);
        });
      }
    }).addTo(group);
  }

  var requests = {};
  var loading = 0;
  function busy(change) {
    loading += change;
    mapElement.setAttribute("data-loading", String(loading));
  }
  function reload(slug) {
    var group = layers[slug];
    if (!group || !map.hasLayer(group)) { return; }
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
      return v.toFixed(6);
    }).join(",");
    // A newer viewport makes the older request moot: cancel it rather than let requests
    // pile up on the server while someone pans quickly.
    if (requests[slug]) { requests[slug].abort(); }
    var token = new AbortController();
    requests[slug] = token;
    busy(1);
    fetch(config.layerUrl.replace("SLUG", slug) + "?bbox=" + bbox,
          {credentials: "same-origin", signal: token.signal})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (requests[slug] === token) { draw(slug, data); }
      })
      .catch(function () { /* cancelled, or the next move will ask again */ })
      .finally(function () {
        if (requests[slug] === token) { requests[slug] = null; }
        busy(-1);
      });
  }

  function reloadAll() { Object.keys(layers).forEach(reload); }

  document.querySelectorAll("[data-layer]").forEach(function (box) {
    var slug = box.getAttribute("data-layer");
    layers[slug] = L.layerGroup();
    if (box.checked) { layers[slug].addTo(map); }
    box.addEventListener("change", function () {
      if (box.checked) { layers[slug].addTo(map); reload(slug); }
      else { map.removeLayer(layers[slug]); }
      countDrawn();
    });
  });

  document.querySelectorAll("[data-style]").forEach(function (select) {
    var slug = select.getAttribute("data-style");
    select.addEventListener("change", function () {
      styleKey[slug] = select.value;
      showLegend(slug);
      if (lastData[slug]) { draw(slug, lastData[slug]); }
    });
  });

  map.on("moveend", reloadAll);

  // --- placing, drawing and reshaping (officials) -----------------------------------------
  // Each mode shows its own buttons beside the map; the map's centre (marked by a cross,
  // moved with the arrow keys) stands in for a click, so the keyboard can do it all too.
  // The tools come first in the side panel, beside the top of the map, not below the
  // layers' legends.
  var side = statusBox.parentNode;
  var toolsBox = el("div", null, {"class": "regmap__draw", id: "map-draw", role: "group",
                                  "aria-labelledby": "map-draw-title", hidden: "hidden"});
  side.insertBefore(toolsBox, side.firstChild);

  function showTools(title, hint, buttons) {
    while (toolsBox.firstChild) { toolsBox.removeChild(toolsBox.firstChild); }
    var heading = el("p", null, {id: "map-draw-title"});
    heading.appendChild(el("strong", title));
    toolsBox.appendChild(heading);
    toolsBox.appendChild(el("p", hint));
    var row = el("div", null, {"class": "actions"});
    buttons.forEach(function (b) {
      var button = el("button", b[0], {type: "button", "class": "button button--secondary"});
      button.addEventListener("click", b[1]);
      row.appendChild(button);
    });
    toolsBox.appendChild(row);
    toolsBox.hidden = false;
    // Started from an object's card further down: bring the map (and the tools) into view.
    toolsBox.scrollIntoView({block: "nearest"});
    mapElement.scrollIntoView({block: "nearest"});
    say(hint);
  }

  function hideTools() {
    toolsBox.hidden = true;
    mapElement.removeAttribute("data-mode");
  }

  function roundPair(latlng) {
    return [Math.round(latlng.lng * 1e7) / 1e7, Math.round(latlng.lat * 1e7) / 1e7];
  }

  function pickPoint(title, hint, action) {
    sketchCancel();
    pendingClick = action;
    mapElement.setAttribute("data-mode", "point");
    showTools(title, hint, [
      [t.useCentre, function () { takeClick(map.getCenter()); }],
      [t.cancel, function () { pendingClick = null; hideTools(); say(t.cancelled); }]
    ]);
  }

  function takeClick(latlng) {
    var action = pendingClick;
    pendingClick = null;
    hideTools();
    action(latlng);
  }

  function vertexIcon() {
    return L.divIcon({className: "regmap__vertex", iconSize: [18, 18]});
  }

  function sketchRedraw() {
    sketch.shape.setLatLngs(sketch.latlngs);
    mapElement.setAttribute("data-vertices", String(sketch.latlngs.length));
  }

  function sketchAdd(latlng) {
    var handle = L.marker(latlng, {icon: vertexIcon(), draggable: true, keyboard: false,
                                   zIndexOffset: 1000});
    handle.on("drag", function () {
      var index = sketch.handles.indexOf(handle);
      sketch.latlngs[index] = handle.getLatLng();
      sketchRedraw();
    });
    // A click on a vertex adds nothing; on the first one of an area it closes the area.
    handle.on("click", function (event) {
      L.DomEvent.stopPropagation(event);
      if (sketch.kind === "polygon" && sketch.handles.indexOf(handle) === 0) { sketchFinish(); }
    });
    handle.on("dblclick", function (event) {
      L.DomEvent.stopPropagation(event);
      sketchFinish();
    });
    handle.addTo(sketch.layer);
    sketch.handles.push(handle);
    sketch.latlngs.push(latlng);
    sketchRedraw();
  }

  function sketchUndo() {
    if (!sketch) { return; }
    if (!sketch.latlngs.length) { sketchCancel(); say(t.cancelled); return; }
    sketch.latlngs.pop();
    sketch.layer.removeLayer(sketch.handles.pop());
    sketchRedraw();
    say(t.removedPoint);
  }

  function sketchCancel() {
    if (!sketch) { return; }
    map.removeLayer(sketch.layer);
    sketch = null;
    map.doubleClickZoom.enable();
    mapElement.removeAttribute("data-vertices");
    hideTools();
  }

  function sketchFinish() {
    if (!sketch) { return; }
    // A double click also clicks twice: points a few pixels apart are one point.
    var points = [];
    sketch.latlngs.forEach(function (latlng) {
      var last = points[points.length - 1];
      if (!last || map.latLngToContainerPoint(last).distanceTo(
          map.latLngToContainerPoint(latlng)) > 3) {
        points.push(latlng);
      }
    });
    var polygon = sketch.kind === "polygon";
    if (points.length < (polygon ? 3 : 2)) {
      say(polygon ? t.needThree : t.needTwo);
      return;
    }
    var coordinates = points.map(roundPair);
    var geometry = polygon
      ? {type: "Polygon", coordinates: [coordinates.concat([coordinates[0]])]
          .concat(sketch.holes)}
      : {type: "LineString", coordinates: coordinates};
    var done = sketch.done;
    sketchCancel();
    done(geometry);
  }

  function sketchStart(options) {
    sketchCancel();
    pendingClick = null;
    var style = {color: "#b3261e", weight: 3, dashArray: "6 4", fillOpacity: 0.15,
                 interactive: false};
    sketch = {kind: options.kind, latlngs: [], handles: [], holes: options.holes || [],
              done: options.done, layer: L.layerGroup().addTo(map)};
    sketch.shape = (options.kind === "polygon" ? L.polygon([], style) : L.polyline([], style))
      .addTo(sketch.layer);
    (options.latlngs || []).forEach(sketchAdd);
    map.doubleClickZoom.disable();
    mapElement.setAttribute("data-mode", "draw");
    showTools(options.title, options.hint, [
      [t.addCentre, function () { sketchAdd(map.getCenter()); say(t.addedPoint); }],
      [t.undo, sketchUndo],
      [t.finish, sketchFinish],
      [t.cancel, function () { sketchCancel(); say(t.cancelled); }]
    ]);
  }

  map.on("click", function (event) {
    if (sketch) { sketchAdd(event.latlng); return; }
    if (pendingClick) { takeClick(event.latlng); }
  });
  map.on("dblclick", function () { if (sketch) { sketchFinish(); } });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    if (sketch) { event.preventDefault(); sketchUndo(); }
    else if (pendingClick) { pendingClick = null; hideTools(); say(t.cancelled); }
  });

  var editable = config.registers.filter(function (r) { return r.may_edit; });
  if (editable.length) {
    var tools = el("div", null, {"class": "field regmap__add"});
    var select = el("select", null, {id: "add-register"});
    editable.forEach(function (r) { select.appendChild(el("option", r.name, {value: r.slug})); });
    tools.appendChild(el("label", t.addIn, {"for": "add-register"}));
    tools.appendChild(select);
    var add = el("button", t.place, {type: "button", "class": "button button--secondary"});
    var label = function () {
      add.textContent = registers[select.value].geometry_kind === "point" ? t.place : t.draw;
    };
    select.addEventListener("change", label);
    label();
    add.addEventListener("click", function () {
      var register = registers[select.value];
      var title = t.newObject + ": " + register.name;
      if (register.geometry_kind === "point") {
        pickPoint(title, t.clickToPlace, function (latlng) {
          addForm(register, {type: "Point", coordinates: roundPair(latlng)});
        });
        return;
      }
      sketchStart({kind: register.geometry_kind, title: title,
                   hint: register.geometry_kind === "polygon" ? t.drawArea : t.drawLine,
                   done: function (geometry) { addForm(register, geometry); }});
    });
    tools.appendChild(add);
    side.insertBefore(tools, toolsBox);
  }

  var searchForm = document.getElementById("map-search");
  if (searchForm) {
    searchForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var slug = searchForm.elements.register.value;
      var results = document.getElementById("search-results");
      fetch(config.searchUrl.replace("SLUG", slug) + "?q=" +
            encodeURIComponent(searchForm.elements.q.value), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          while (results.firstChild) { results.removeChild(results.firstChild); }
          if (!data.features.length) { results.appendChild(el("li", t.nothingFound)); }
          var register = registers[slug];
          var label = register.attributes[0];
          data.features.forEach(function (feature) {
            var item = el("li");
            var button = el("button", register.name + " " +
              valueText(register, label, feature.properties[label.key]),
              {type: "button", "class": "button button--secondary"});
            button.addEventListener("click", function () {
              var c = feature.geometry.type === "Point" ? feature.geometry.coordinates
                : L.geoJSON(feature).getBounds().getCenter();
              if (c.lat !== undefined) { map.setView(c, 18); }
              else { map.setView([c[1], c[0]], 18); }
              showCard(register, feature);
            });
            item.appendChild(button);
            results.appendChild(item);
          });
        });
    });
  }

  reloadAll();
  mapElement.setAttribute("data-ready", "true");
}());
