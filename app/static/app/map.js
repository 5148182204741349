// Maps of protective security sites, drawn with the vendored Leaflet (global L).
// Each <div data-site-map data-geojson="/protect/sites.geojson?..."> gets a map of those sites: one marker per
// site, coloured by category, with a popup linking to the site. Tiles are drawn only when the server sets
// data-tile-url (CONTEST_MAP_TILE_URL); otherwise the markers sit on a plain background and nothing is
// loaded from anywhere but this server. With data-pick, a click on the map fills the #lat and #lon fields.
(function () {
  "use strict";
  var LONDON = [51.5074, -0.1278];

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

  function marker(feature) {
    var props = feature.properties;
    var icon = L.divIcon({
      className: "app-marker app-marker--" + String(props.category).replace(/[^a-z_]/g, ""),
      iconSize: [18, 18],
      html: "",
    });
    var coords = feature.geometry.coordinates; // GeoJSON order: [lon, lat]
    return L.marker([coords[1], coords[0]], { icon: icon, title: props.name, keyboard: true })
      .bindPopup(popup(props));
  }

  function pickable(map, el) {
    var chosen = null;
    map.on("click", function (event) {
      var lat = document.getElementById("lat");
      var lon = document.getElementById("lon");
      var site = document.getElementById("site");
      if (!lat || !lon) return;
      lat.value = event.latlng.lat.toFixed(6);
      lon.value = event.latlng.lng.toFixed(6);
      if (site) site.value = "";
      if (chosen) chosen.remove();
      chosen = L.circleMarker(event.latlng, { radius: 6, className: "app-map__picked" }).addTo(map);
      el.dataset.picked = lat.value + "," + lon.value;
    });
  }

  function draw(el) {
    if (el.dataset.ready) return;
    el.dataset.ready = "loading";
    var map = L.map(el, { scrollWheelZoom: false }).setView(LONDON, 13);
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    var sites = L.featureGroup().addTo(map);
    if (el.dataset.centreLat) {
      var centre = [parseFloat(el.dataset.centreLat), parseFloat(el.dataset.centreLon)];
      L.circle(centre, { radius: parseFloat(el.dataset.radius) || 0, className: "app-map__cordon" }).addTo(sites);
    }
    if (el.dataset.pick) pickable(map, el);
    fetch(el.dataset.geojson, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.ok ? response.json() : { features: [] }; })
      .then(function (collection) {
        collection.features.forEach(function (feature) { marker(feature).addTo(sites); });
        if (sites.getLayers().length) map.fitBounds(sites.getBounds(), { padding: [24, 24], maxZoom: 16 });
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
