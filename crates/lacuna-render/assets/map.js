// lacuna's interactive map: draws the study embedded in the page (the JSON in #lacuna-data)
// with Leaflet, on a flat plane in the study's working CRS (metres; no tiles, no requests).
// The areas' shared boundaries come as arcs (TopoJSON's way); figures come as columns.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('lacuna-data').textContent);
  var A = D.areas;
  var n = A.code.length;

  function ring(refs) {
    var pts = [];
    refs.forEach(function (r) {
      var a = r < 0 ? arcs[~r].slice().reverse() : arcs[r];
      for (var k = pts.length ? 1 : 0; k < a.length; k++) pts.push(a[k]);
    });
    return pts;
  }
  // Delta-coded points ([x0, y0, dx1, dy1, ...]) back to points, as [y, x]: Leaflet's plane
  // is (lat, lng) = (north, east).
  function delta(flat) {
    var out = [], x = 0, y = 0;
    for (var i = 0; i < flat.length; i += 2) {
      x += flat[i];
      y += flat[i + 1];
      out.push([y, x]);
    }
    return out;
  }
  var arcs = D.arcs.map(delta);

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function thousands(x) {
    return x == null || isNaN(x) ? '–' : Math.round(x).toLocaleString('en-GB');
  }
  function pct(x) {
    return x == null || isNaN(x) ? '–' : (100 * x).toFixed(0) + '%';
  }
  function metres(x) {
    if (x == null || isNaN(x)) return '–';
    return x >= 1000 ? (x / 1000).toFixed(1) + ' km' : Math.round(x) + ' m';
  }

  var canvas = n > 8000;
  var map = L.map('lacuna-map', {
    crs: L.CRS.Simple,
    preferCanvas: canvas,
    zoomSnap: 0.25,
    zoomDelta: 0.5,
    minZoom: -20,
    maxZoom: 4,
    attributionControl: true
  });
  map.attributionControl.setPrefix('Leaflet');
  if (D.attribution) map.attributionControl.addAttribution(esc(D.attribution));
  L.control.scale({ imperial: false, maxWidth: 160 }).addTo(map);

  var state = { service: 0, layer: 'coverage', pinned: null, hover: null };
  var outlines = n <= 5000;
  function areaStyle(i) {
    var s = D.services[state.service];
    var layer = s.layers.filter(function (l) { return l.id === state.layer; })[0] || s.layers[0];
    var picked = i === state.hover || i === state.pinned;
    // No outline at all on dense maps: a canvas ignores a zero line width and would keep the
    // last one, painting the whole country white.
    return {
      fillColor: layer.palette[layer.fill[i]],
      fillOpacity: 0.85,
      stroke: picked || outlines,
      color: picked ? '#000' : '#fff',
      weight: picked ? 2.5 : 0.6,
      opacity: 1
    };
  }

  // The areas: one polygon each, multipolygons with holes as Leaflet nests them.
  var areas = new Array(n);
  var areaGroup = L.featureGroup();
  for (var i = 0; i < n; i++) {
    var polys = A.shape[i].map(function (p) { return p.map(ring); });
    // Leaflet's own thinning (smoothFactor) would drop areas smaller than a pixel and leave
    // holes in a national view; the arcs are already thinned for the screen.
    var layer = L.polygon(polys, L.extend({ className: 'lacuna-area', smoothFactor: 0.25 }, areaStyle(i)));
    layer.lacunaIndex = i;
    areas[i] = layer;
    areaGroup.addLayer(layer);
  }
  areaGroup.on('mouseover', function (e) { hoverArea(e.layer.lacunaIndex); });
  areaGroup.on('mouseout', function (e) {
    var i = e.layer.lacunaIndex;
    if (state.hover === i) {
      state.hover = null;
      areas[i].setStyle(areaStyle(i));
      showInfo(state.pinned);
    }
  });
  areaGroup.on('click', function (e) { pin(e.layer.lacunaIndex); });
  // A vector layer needs the map to have a view before it is added.
  map.fitBounds(areaGroup.getBounds());
  map.setMinZoom(map.getZoom() - 2);
  areaGroup.addTo(map);

  var councils = L.polyline(D.council_arcs.map(function (k) { return arcs[k]; }), {
    color: '#222', weight: 1.6, opacity: 0.9, interactive: false
  }).addTo(map);

  function hoverArea(i) {
    var old = state.hover;
    state.hover = i;
    if (old != null && old !== i) areas[old].setStyle(areaStyle(old));
    areas[i].setStyle(areaStyle(i));
    if (!canvas) areas[i].bringToFront();
    showInfo(i);
  }
  function pin(i) {
    var old = state.pinned;
    state.pinned = i;
    if (old != null) areas[old].setStyle(areaStyle(old));
    if (i != null) areas[i].setStyle(areaStyle(i));
    showInfo(i);
  }

  // The information panel: an area's figures for every service, the active one first.
  var info = L.control({ position: 'bottomleft' });
  info.onAdd = function () {
    var div = L.DomUtil.create('div', 'lacuna-panel lacuna-info');
    div.id = 'lacuna-info';
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  info.addTo(map);
  function areaHtml(i) {
    var council = D.councils[A.council[i]];
    var h = '<div class="lacuna-name">' + esc(A.name[i] || A.code[i]) + '</div>' +
      '<div class="lacuna-sub">' + esc(A.code[i]) + (council ? ' · ' + esc(council) : '') + '</div>';
    if (D.by_population) h += '<div>Population ' + thousands(A.population[i]) + '</div>';
    if (A.decile[i]) h += '<div>Need decile ' + A.decile[i] + ' (1 = most deprived)</div>';
    h += '<table><tr><th></th><th>within reach</th><th>nearest</th><th>unserved rank</th></tr>';
    D.services.forEach(function (s, k) {
      h += '<tr' + (k === state.service ? ' class="lacuna-active"' : '') + '><td>' + esc(s.label) +
        '</td><td>' + pct(s.share[i]) + '</td><td>' + metres(s.nearest_m[i]) + '</td><td>' +
        (s.unserved_rank[i] ? s.unserved_rank[i] + ' of ' + s.unserved : '–') + '</td></tr>';
    });
    return h + '</table>';
  }
  function showInfo(i) {
    var div = document.getElementById('lacuna-info');
    div.innerHTML = i == null
      ? '<div class="lacuna-sub">Hover over an area for its figures; click to keep them.</div>'
      : areaHtml(i);
  }
  function showHtml(html) {
    document.getElementById('lacuna-info').innerHTML = html;
  }
  showInfo(null);

  // Per-service overlays, built when their service is first shown.
  var overlays = {};
  // Thousands of providers hide the map even clustered: then they wait to be ticked.
  var manyProviders = D.services.some(function (s) { return s.providers.x.length > 3000; });
  var shown = { gaps: true, providers: !manyProviders, pairs: false, sites: true, councils: true };
  function centre(i) {
    var b = areas[i].getBounds();
    return b.isValid() ? b.getCenter() : map.getCenter();
  }
  function pairColour(d) { return d >= 50 ? '#7a0177' : d >= 30 ? '#c51b8a' : '#f768a1'; }
  // Points on their own SVG layer: on a canvas shared with 30,000 areas, the clusters' markers
  // being added and removed leave white marks behind.
  var pointRenderer = L.svg({ padding: 0.5 });
  function buildOverlays(k) {
    var s = D.services[k];
    var o = {};
    o.gaps = L.featureGroup(s.gaps.map(function (g) {
      return L.polygon(delta(g), { color: '#d7301f', weight: 1.6, fill: false, interactive: false });
    }));
    var dots = s.providers.x.map(function (x, j) {
      var m = L.circleMarker([s.providers.y[j], x], {
        radius: 5, color: '#fff', weight: 1.2, fillColor: '#111', fillOpacity: 1,
        className: 'lacuna-provider', renderer: pointRenderer
      });
      m.on('mouseover', function () {
        var p = s.providers;
        showHtml('<div class="lacuna-name">' + esc(p.id[j]) + '</div><div class="lacuna-sub">' +
          esc(s.label) + (p.network[j] ? ' · ' + esc(p.network[j]) : '') + '</div>' +
          (isNaN(p.alone[j]) || p.alone[j] == null ? '' : '<div>' + thousands(p.alone[j]) + ' ' +
            esc(D.unit) + ' within reach of no other</div>'));
      });
      m.on('mouseout', function () { showInfo(state.pinned); });
      return m;
    });
    o.providers = L.markerClusterGroup({
      maxClusterRadius: 50, showCoverageOnHover: false, chunkedLoading: true
    });
    o.providers.addLayers(dots);
    o.pairs = L.featureGroup(s.pairs.map(function (p) {
      var line = L.polyline([centre(p[0]), centre(p[1])], {
        color: pairColour(p[2]), weight: 4, opacity: 0.9
      });
      line.bindTooltip(esc(A.name[p[0]] || A.code[p[0]]) + ' (' + pct(s.share[p[0]]) + ') – ' +
        esc(A.name[p[1]] || A.code[p[1]]) + ' (' + pct(s.share[p[1]]) + '): ' + p[2] + ' points');
      return line;
    }));
    var sites = s.sites.map(function (c) {
      return L.circleMarker([c[1], c[0]], { radius: 8, color: '#fff', weight: 2, fillColor: '#053061', fillOpacity: 1 })
        .bindTooltip('New site ' + c[2] + ': ' + thousands(c[3]) + ' ' + esc(D.unit) + ' newly within reach');
    });
    s.closed.forEach(function (c) {
      sites.push(L.circleMarker([c[1], c[0]], { radius: 7, color: '#fff', weight: 2, fillColor: '#67001f', fillOpacity: 1 })
        .bindTooltip('Closed in the scenario'));
    });
    s.opened.forEach(function (c) {
      sites.push(L.circleMarker([c[1], c[0]], { radius: 7, color: '#fff', weight: 2, fillColor: '#2166ac', fillOpacity: 1 })
        .bindTooltip('Opened in the scenario'));
    });
    o.sites = L.featureGroup(sites);
    return o;
  }
  function applyOverlays() {
    Object.keys(overlays).forEach(function (k) {
      Object.keys(overlays[k]).forEach(function (name) {
        var on = +k === state.service && shown[name];
        var l = overlays[k][name];
        if (on && !map.hasLayer(l)) l.addTo(map);
        if (!on && map.hasLayer(l)) map.removeLayer(l);
      });
    });
    if (shown.councils && !map.hasLayer(councils)) councils.addTo(map);
    if (!shown.councils && map.hasLayer(councils)) map.removeLayer(councils);
  }

  // The controls: service, layer, overlays, legend.
  var panel = L.control({ position: 'topright' });
  panel.onAdd = function () {
    var div = L.DomUtil.create('div', 'lacuna-panel lacuna-controls');
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  panel.addTo(map);
  var legend = L.control({ position: 'bottomright' });
  legend.onAdd = function () {
    var div = L.DomUtil.create('div', 'lacuna-panel lacuna-legend');
    div.id = 'lacuna-legend';
    return div;
  };
  legend.addTo(map);

  function drawControls() {
    var s = D.services[state.service];
    var div = panel.getContainer();
    var h = '<label>Service <select id="lacuna-service">' + D.services.map(function (x, k) {
      return '<option value="' + k + '"' + (k === state.service ? ' selected' : '') + '>' + esc(x.label) + '</option>';
    }).join('') + '</select></label><div class="lacuna-layers">';
    s.layers.forEach(function (l) {
      h += '<label><input type="radio" name="lacuna-layer" value="' + l.id + '"' +
        (l.id === state.layer ? ' checked' : '') + '> ' + esc(l.name) + '</label>';
    });
    h += '</div><div class="lacuna-overlays">';
    var names = { gaps: 'Gaps (outside every catchment)', providers: 'Providers', pairs: 'Postcode lottery pairs', sites: 'New, closed and opened sites', councils: 'Council boundaries' };
    Object.keys(names).forEach(function (k) {
      var has = k === 'gaps' ? s.gaps.length : k === 'pairs' ? s.pairs.length : k === 'sites' ? s.sites.length + s.closed.length + s.opened.length : k === 'providers' ? s.providers.x.length : 1;
      if (!has) return;
      h += '<label><input type="checkbox" data-overlay="' + k + '"' + (shown[k] ? ' checked' : '') + '> ' + names[k] + '</label>';
    });
    div.innerHTML = h + '</div>';
    div.querySelector('#lacuna-service').onchange = function (e) { setService(+e.target.value); };
    Array.prototype.forEach.call(div.querySelectorAll('input[name=lacuna-layer]'), function (el) {
      el.onchange = function () { setLayer(el.value); };
    });
    Array.prototype.forEach.call(div.querySelectorAll('input[data-overlay]'), function (el) {
      el.onchange = function () { shown[el.getAttribute('data-overlay')] = el.checked; applyOverlays(); drawLegend(); };
    });
  }
  function drawLegend() {
    var s = D.services[state.service];
    var l = s.layers.filter(function (x) { return x.id === state.layer; })[0] || s.layers[0];
    var h = '<div class="lacuna-name">' + esc(s.label) + ': ' + esc(l.title) + '</div>';
    l.legend_colours.forEach(function (c, k) {
      h += '<div><i style="background:' + c + '"></i>' + esc(l.legend_labels[k]) + '</div>';
    });
    if (shown.gaps && s.gaps.length) h += '<div><i class="lacuna-line" style="border-color:#d7301f"></i>gap: outside every catchment</div>';
    if (shown.providers && s.providers.x.length) h += '<div><i class="lacuna-dot"></i>' + esc(s.label) + ' (numbers: clusters)</div>';
    if (shown.pairs && s.pairs.length) h += '<div><i class="lacuna-line" style="border-color:#c51b8a"></i>lottery pair (difference in points)</div>';
    if (shown.sites) {
      if (s.sites.length) h += '<div><i class="lacuna-dot" style="background:#053061"></i>new site (hover: rank)</div>';
      if (s.closed.length) h += '<div><i class="lacuna-dot" style="background:#67001f"></i>closed in the scenario</div>';
      if (s.opened.length) h += '<div><i class="lacuna-dot" style="background:#2166ac"></i>opened in the scenario</div>';
    }
    if (shown.councils) h += '<div><i class="lacuna-line" style="border-color:#222"></i>council boundary</div>';
    document.getElementById('lacuna-legend').innerHTML = h;
  }
  function restyle() {
    for (var i = 0; i < n; i++) areas[i].setStyle(areaStyle(i));
  }
  function setService(k) {
    state.service = k;
    var s = D.services[k];
    if (!s.layers.some(function (l) { return l.id === state.layer; })) state.layer = s.layers[0].id;
    if (!overlays[k]) overlays[k] = buildOverlays(k);
    restyle();
    applyOverlays();
    drawControls();
    drawLegend();
    showInfo(state.pinned);
  }
  function setLayer(id) {
    state.layer = id;
    restyle();
    drawLegend();
  }

  // Find an area by name or code.
  var search = L.control({ position: 'topleft' });
  search.onAdd = function () {
    var div = L.DomUtil.create('div', 'lacuna-panel lacuna-search');
    div.innerHTML = '<input id="lacuna-search" type="search" placeholder="Find an area: name or code" autocomplete="off"><div id="lacuna-results"></div>';
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  search.addTo(map);
  var lower = A.name.map(function (s, i) { return (s + ' ' + A.code[i]).toLowerCase(); });
  function matches(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    var first = [], rest = [];
    for (var i = 0; i < n && first.length < 8; i++) {
      var at = lower[i].indexOf(q);
      if (at === 0 || A.code[i].toLowerCase() === q) first.push(i);
      else if (at > 0 && rest.length < 8) rest.push(i);
    }
    return first.concat(rest).slice(0, 8);
  }
  function zoomTo(i) {
    // (An area whose geometry was empty has no bounds: it is picked, not zoomed to.)
    var b = areas[i].getLatLngs().length ? areas[i].getBounds() : null;
    if (b && b.isValid()) map.fitBounds(b, { maxZoom: 0, padding: [40, 40] });
    pin(i);
    document.getElementById('lacuna-results').innerHTML = '';
  }
  var input = document.getElementById('lacuna-search');
  input.addEventListener('input', function () {
    var found = matches(input.value);
    document.getElementById('lacuna-results').innerHTML = found.map(function (i) {
      return '<button type="button" data-area="' + i + '">' + esc(A.name[i] || A.code[i]) +
        ' <span class="lacuna-sub">' + esc(A.code[i]) + '</span></button>';
    }).join('');
    Array.prototype.forEach.call(document.querySelectorAll('#lacuna-results button'), function (b) {
      b.onclick = function () { zoomTo(+b.getAttribute('data-area')); };
    });
  });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter') {
      var found = matches(input.value);
      if (found.length) zoomTo(found[0]);
    }
  });

  setService(0);

  // For scripts and tests: the map, its areas, and the actions the controls take.
  window.lacuna = {
    map: map, areas: areas, data: D, state: state,
    setService: setService, setLayer: setLayer, zoomTo: zoomTo, matches: matches
  };
  document.getElementById('lacuna-map').setAttribute('data-ready', 'true');
})();
