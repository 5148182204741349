// Maps of protective security sites, drawn with the vendored Leaflet (global L).
// Each <div data-site-map data-geojson="/protect/sites.geojson?..."> gets a map of those sites: one marker per
// site, coloured by category (the legend beside the map names each colour), with a popup linking to the site.
// <div data-site-map data-point-lat=".." data-point-lon=".."> shows one point instead (a site's own page).
// Tiles are drawn only when the server sets data-tile-url (CONTEST_MAP_TILE_URL); otherwise the markers sit on a
// plain background and nothing is loaded from anywhere but this server. With data-pick, a click on the map fills
// the #lat and #lon fields (and typing in them moves the point).
//
// The box is given its size here (app-map--drawn), before Leaflet measures it: the page's `js-enabled` class
// comes from a module script that runs after this one, and a map drawn in a box with no size fits its sites at
// the maximum zoom. Markers are not tab stops (the map itself is one): the table beside the map lists the same
// sites for keyboard and screen reader users.
(function () {
  "use strict";
  var LONDON = [51.5074, -0.1278];
  var ONE_SITE_ZOOM = 16;

  function words(value) {
    var text = String(value || "").replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function popup(props) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.className = "govuk-link";
    link.href = "/protect/sites/" + encodeURIComponent(props.id);
    link.textContent = props.name;
    var detail = document.createElement("p");
    detail.className = "govuk-body-s app-map__detail";
    detail.textContent = words(props.category) + " · tier: " + words(props.martyns_law_tier) +
      (props.distance_m != null ? " · " + Math.round(props.distance_m) + " m" : "");
    box.appendChild(link);
    box.appendChild(detail);
    return box;
  }

  function icon(category) {
    return L.divIcon({
      className: "app-marker app-marker--" + String(category || "other").replace(/[^a-z_]/g, ""),
      iconSize: [18, 18],
      html: "",
    });
  }

  function marker(feature) {
    var props = feature.properties;
    var coords = feature.geometry.coordinates; // GeoJSON order: [lon, lat]
    return L.marker([coords[1], coords[0]], {
      icon: icon(props.category),
      title: props.name + " (" + words(props.category) + ")",
      keyboard: false,
    }).bindPopup(popup(props));
  }

  function field(id) {
    return document.getElementById(id);
  }

  function pickable(map, el, start) {
    var chosen = null;
    function place(latlng) {
      if (chosen) chosen.remove();
      chosen = L.circleMarker(latlng, { radius: 7, className: "app-map__picked", interactive: false }).addTo(map);
      el.dataset.picked = latlng.lat.toFixed(6) + "," + latlng.lng.toFixed(6);
    }
    if (start) place(L.latLng(start));
    map.on("click", function (event) {
      var lat = field("lat");
      var lon = field("lon");
      var site = field("site");
      if (!lat || !lon) return;
      lat.value = event.latlng.lat.toFixed(6);
      lon.value = event.latlng.lng.toFixed(6);
      if (site) site.value = "";
      place(event.latlng);
    });
    ["lat", "lon"].forEach(function (id) {
      var input = field(id);
      if (!input) return;
      input.addEventListener("change", function () {
        var lat = parseFloat(field("lat").value);
        var lon = parseFloat(field("lon").value);
        if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
          place(L.latLng(lat, lon));
          map.setView([lat, lon], Math.max(map.getZoom(), 14));
        }
      });
    });
  }

  function point(el) {
    if (!el.dataset.pointLat || !el.dataset.pointLon) return null;
    var lat = parseFloat(el.dataset.pointLat);
    var lon = parseFloat(el.dataset.pointLon);
    return isFinite(lat) && isFinite(lon) ? [lat, lon] : null;
  }

  function fit(map, group) {
    map.invalidateSize();
    if (group.getLayers().length) map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: ONE_SITE_ZOOM, animate: false });
  }

  function draw(el) {
    if (el.dataset.ready) return;
    el.dataset.ready = "loading";
    el.classList.add("app-map--drawn");
    var tiles = el.dataset.tileUrl;
    var map = L.map(el, { scrollWheelZoom: false, attributionControl: Boolean(tiles) });
    el._siteMap = map; // for the browser tests, which check what the map shows
    if (tiles) {
      L.tileLayer(tiles, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    var at = point(el);
    map.setView(at || LONDON, at ? ONE_SITE_ZOOM : 13);
    var sites = L.featureGroup().addTo(map);
    if (el.dataset.centreLat) {
      var centre = [parseFloat(el.dataset.centreLat), parseFloat(el.dataset.centreLon)];
      L.circle(centre, { radius: parseFloat(el.dataset.radius) || 0, className: "app-map__cordon" }).addTo(sites);
    }
    if (el.dataset.pick) {
      pickable(map, el, at);
    } else if (at) {
      L.marker(at, { icon: icon(el.dataset.category), title: el.getAttribute("aria-label"), keyboard: false })
        .addTo(map);
    }
    if (!el.dataset.geojson) {
      el.dataset.markers = at && !el.dataset.pick ? "1" : "0";
      el.dataset.ready = "true";
      return;
    }
    fetch(el.dataset.geojson, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.ok ? response.json() : { features: [] }; })
      .then(function (collection) {
        collection.features.forEach(function (feature) { marker(feature).addTo(sites); });
        fit(map, sites);
        el.dataset.markers = String(collection.features.length);
        el.dataset.ready = "true";
      });
  }

  function drawAll() {
    if (typeof L === "undefined") return;
    document.querySelectorAll("[data-site-map]").forEach(draw);
  }

  drawAll();
  document.body.addEventListener("htmx:afterSettle", drawAll);
})();
