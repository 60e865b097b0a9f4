// The place on a map (Leaflet, vendored): drop or drag a pin, or "where I am", and the address
// fills from it; type an address and the pin moves; the pin's district is shown before sending.
// The map is never the only way: the address and the coordinates stay fields of their own.
// What the map stands on (tiles or the town's own geodata) is basemap.js's.
(() => {
  const api = document.querySelector('meta[name="civicdesk-api"]')?.content || "";
  const i18n = window.civicdeskI18n;
  const $ = (id) => document.getElementById(id);
  let map = null;
  let pin = null;
  let filled = "";        // the address the pin wrote (a typed one is never overwritten)
  let district = undefined;
  let asked = 0;          // answers to older questions are dropped
  let near = [];          // requests near the pin (topic, status, age: nothing personal)
  let nearLayer = null;

  async function get(path) {
    const answer = await fetch(api + path, { headers: { "Accept-Language": i18n.lang } });
    if (!answer.ok) throw new Error(String(answer.status));
    return answer.json();
  }
  const local = (names) => (names ? names[i18n.lang] || names.en : "");

  async function start() {
    await i18n.ready;
    if (!window.L || !$("map")) return;
    const settings = i18n.town.map || { center: [0, 0], zoom: 2 };
    map = L.map("map", { keyboard: true, tapTolerance: 20 })
      .setView([settings.center[1], settings.center[0]], settings.zoom);
    window.civicdeskBasemap(map);
    map.on("click", (event) => place(event.latlng, true));
    $("map").classList.add("ready");
    describe();
  }

  function place(latlng, lookUp) {
    if (!pin) {
      pin = L.marker(latlng, { draggable: true, keyboard: true, autoPan: true,
        title: i18n.t("map.pin"), alt: i18n.t("map.pin") }).addTo(map);
      pin.on("dragend", () => place(pin.getLatLng(), true));
    } else pin.setLatLng(latlng);
    $("latitude").value = Number(latlng.lat).toFixed(6);
    $("longitude").value = Number(latlng.lng).toFixed(6);
    document.dispatchEvent(new CustomEvent("civicdesk:place", { detail: latlng }));
    if (lookUp) addressOf(latlng);
    nearby(latlng);
  }

  // Requests already reported around the pin: on the map and as a list (the list is what a
  // screen reader or keyboard user meets); each opens its public page.
  async function nearby(latlng) {
    try {
      const found = await get("/places/nearby?" + new URLSearchParams({
        latitude: Number(latlng.lat).toFixed(6), longitude: Number(latlng.lng).toFixed(6),
        radius: 300, locale: i18n.lang }));
      near = found.requests;
    } catch (error) { near = []; }
    drawNearby();
  }
  function nearbyText(item) {
    const age = item.age_days === 0 ? i18n.t("age.today") : i18n.t("age.days", { n: item.age_days });
    return i18n.t("nearby.item", { topic: item.topic, status: i18n.t("state." + item.status), age });
  }
  function drawNearby() {
    if (nearLayer) nearLayer.remove();
    nearLayer = L.layerGroup(near.map((item) => {
      const dot = L.circleMarker([item.latitude, item.longitude],
        { radius: 7, color: "#7a3e00", weight: 2, fillOpacity: 0.5 });
      const link = document.createElement("a");
      link.href = "/r/" + encodeURIComponent(item.number);
      link.textContent = nearbyText(item);
      return dot.bindPopup(link);
    })).addTo(map);
    $("nearby").hidden = !near.length;
    $("nearby-list").replaceChildren(...near.slice(0, 5).map((item) => {
      const entry = document.createElement("li");
      const link = document.createElement("a");
      link.href = "/r/" + encodeURIComponent(item.number);
      link.textContent = nearbyText(item);
      entry.append(link);
      return entry;
    }));
  }

  async function addressOf(latlng) {
    const question = ++asked;
    try {
      const found = await get("/places/reverse?" + new URLSearchParams({
        latitude: Number(latlng.lat).toFixed(6), longitude: Number(latlng.lng).toFixed(6),
        locale: i18n.lang }));
      if (question !== asked) return;
      const typed = $("address").value.trim();
      if (found.address && (!typed || typed === filled)) {
        $("address").value = found.address;
        filled = found.address;
      }
      show(found.district);
    } catch (error) { if (question === asked) say(i18n.t("map.failed")); }
  }

  async function pointOf() {
    const text = $("address").value.trim();
    if (!map || !text || text === filled) return;
    const question = ++asked;
    try {
      const found = await get("/places/search?" + new URLSearchParams({ q: text, locale: i18n.lang }));
      if (question !== asked) return;
      const first = found.places[0];
      if (!first) { show(undefined); say(i18n.t("map.not_found")); return; }
      // Found on the map: the address and the pin are linked now, so moving the pin
      // updates it (an address the map does not know stays as the citizen typed it).
      filled = text;
      place({ lat: first.latitude, lng: first.longitude }, false);
      map.setView([first.latitude, first.longitude], Math.max(map.getZoom(), 16));
      show(first.district);
    } catch (error) { if (question === asked) say(i18n.t("map.failed")); }
  }

  function fromCoordinates() {
    const latitude = Number($("latitude").value.replace(",", "."));
    const longitude = Number($("longitude").value.replace(",", "."));
    if (!map || !$("latitude").value || !$("longitude").value) return;
    if (Number.isNaN(latitude) || Number.isNaN(longitude)) return;
    if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return;
    place({ lat: latitude, lng: longitude }, true);
    map.setView([latitude, longitude], Math.max(map.getZoom(), 16));
  }

  function say(text) { $("place-district").textContent = text; }
  // undefined: nothing placed yet; null: placed outside every district.
  function show(found) {
    district = found;
    if (found === undefined) say("");
    else say(found ? i18n.t("map.district", { name: local(found.name) }) : i18n.t("map.outside"));
  }
  function describe() {
    if (!map) return;
    $("map").setAttribute("aria-label", i18n.t("map.label"));
    if (pin) {
      pin.options.title = i18n.t("map.pin");
      if (pin.getElement()) {
        pin.getElement().title = i18n.t("map.pin");
        pin.getElement().alt = i18n.t("map.pin");
      }
    }
    show(district);
    if (near.length && pin) nearby(pin.getLatLng());  // the topics' names in the new language
  }

  $("address").addEventListener("change", pointOf);
  $("latitude").addEventListener("change", fromCoordinates);
  $("longitude").addEventListener("change", fromCoordinates);
  document.addEventListener("civicdesk:place-typed", fromCoordinates);
  document.addEventListener("civicdesk:lang", describe);
  window.civicdeskMap = { get map() { return map; }, place };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
