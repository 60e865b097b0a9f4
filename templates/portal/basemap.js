// What a map of the town stands on: the town's tile service when town.json names one, else the
// town's own districts and streets (GET /places/map) drawn as vector layers. Shared by the
// form's map and a request's public page.
window.civicdeskBasemap = (map) => {
  const i18n = window.civicdeskI18n;
  const local = (names) => (names ? names[i18n.lang] || names.en : "");
  const tiles = i18n.town.map?.tiles;
  map.attributionControl.setPrefix(false);
  if (tiles) {
    L.tileLayer(tiles.url, { maxZoom: tiles.max_zoom, attribution: tiles.attribution }).addTo(map);
    return;
  }
  const api = document.querySelector('meta[name="civicdesk-api"]')?.content || "";
  fetch(api + "/places/map").then((r) => r.json()).then((geodata) => {
    const primary = getComputedStyle(document.documentElement).getPropertyValue("--primary").trim();
    L.geoJSON(geodata, {
      style: (feature) => feature.geometry.type.endsWith("LineString")
        ? { color: "#555", weight: 5, opacity: 0.7 }
        : { color: primary || "#1d4f91", weight: 2, fillOpacity: 0.06 },
      onEachFeature: (feature, layer) => layer.bindTooltip(() => local(feature.properties.name),
        { sticky: true }),
    }).addTo(map);
    map.attributionControl.addAttribution(local(i18n.town.name));
  }).catch(() => {});
};
