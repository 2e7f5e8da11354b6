/* The registers' map: each register a layer loaded per viewport (objects, or counts per grid
   cell when there are too many to draw), the object's card, search by value, and for officials
   placing and moving points. Texts come translated from the page (map-labels). */
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
  if (config.tiles) {
    L.tileLayer(config.tiles, {maxZoom: 19, minZoom: 10}).addTo(map);
  }
  // Points above lines and areas: a click near a lamp on its cable opens the lamp.
  map.createPane("regmap-shapes").style.zIndex = 410;
  map.createPane("regmap-points").style.zIndex = 420;
  var shapeRenderer = L.canvas({padding: 0.3, pane: "regmap-shapes"});
  var renderer = L.canvas({padding: 0.3, pane: "regmap-points"});
  var layers = {};
  var pendingClick = null;  // a function taking a LatLng: placing or moving a point

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
        say(t.clickToMove);
        pendingClick = function (latlng) {
          api("PATCH", config.api + register.slug + "/objects/" + feature.id, {
            geometry: {type: "Point", coordinates: [latlng.lng, latlng.lat]},
            version: feature.properties.version
          }).then(function (moved) {
            say(t.moved);
            reload(register.slug);
            showCard(register, moved);
          }).catch(function (error) { say(error.detail || t.failed); });
        };
      });
      actions.appendChild(move);
    }
    card.appendChild(actions);
    card.focus();
  }

  function addForm(register, latlng) {
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
        geometry: {type: "Point", coordinates: [latlng.lng, latlng.lat]},
        properties: properties
      }).then(function (created) {
        say(t.added);
        reload(register.slug);
        showCard(register, created);
      }).catch(function (error) {
        var errors = error.errors || {};
        say(Object.keys(errors).map(function (k) { return errors[k].join(" "); }).join(" ")
            || error.detail || t.failed);
      });
    });
    card.appendChild(form);
    var first = form.querySelector("input, select");
    if (first) { first.focus(); }
  }

  function draw(slug, data) {
    var register = registers[slug];
    var group = layers[slug];
    group.clearLayers();
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
          color: "#222", fillColor: register.colour,
          fillOpacity: feature.properties.status === "planned" ? 0.35 : 0.9});
      },
      style: function () { return {renderer: shapeRenderer, color: register.colour, weight: 4}; },
      onEachFeature: function (feature, layer) {
        layer.on("click", function (event) {
          L.DomEvent.stopPropagation(event);
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
    var token = {};
    requests[slug] = token;
    busy(1);
    fetch(config.layerUrl.replace("SLUG", slug) + "?bbox=" + bbox, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (requests[slug] === token) { draw(slug, data); }
      })
      .finally(function () { busy(-1); });
  }

  function reloadAll() { Object.keys(layers).forEach(reload); }

  document.querySelectorAll("[data-layer]").forEach(function (box) {
    var slug = box.getAttribute("data-layer");
    layers[slug] = L.layerGroup();
    if (box.checked) { layers[slug].addTo(map); }
    box.addEventListener("change", function () {
      if (box.checked) { layers[slug].addTo(map); reload(slug); }
      else { map.removeLayer(layers[slug]); }
    });
  });

  map.on("moveend", reloadAll);
  function takeClick(latlng) {
    var action = pendingClick;
    pendingClick = null;
    action(latlng);
  }
  map.on("click", function (event) {
    if (pendingClick) { takeClick(event.latlng); }
  });

  var editable = config.registers.filter(function (r) {
    return r.may_edit && r.geometry_kind === "point";
  });
  if (editable.length) {
    var tools = el("div", null, {"class": "field regmap__add"});
    var select = el("select", null, {id: "add-register"});
    editable.forEach(function (r) { select.appendChild(el("option", r.name, {value: r.slug})); });
    tools.appendChild(el("label", t.addIn, {"for": "add-register"}));
    tools.appendChild(select);
    var add = el("button", t.place, {type: "button", "class": "button button--secondary"});
    add.addEventListener("click", function () {
      say(t.clickToPlace);
      pendingClick = function (latlng) { addForm(registers[select.value], latlng); };
    });
    tools.appendChild(add);
    statusBox.parentNode.insertBefore(tools, statusBox);
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
