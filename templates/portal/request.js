// A request's public page (/r/<number> or request.html?n=<number>): topic, place, status and
// its changes, the requester's photos staff have not hidden (small copies without metadata).
// Nothing anyone wrote and no person: the API gives nothing more.
(() => {
  const i18n = window.civicdeskI18n;
  const $ = (id) => document.getElementById(id);
  const fromPath = location.pathname.match(/\/r\/([^/]+)\/?$/);
  const number = fromPath ? decodeURIComponent(fromPath[1]) : new URLSearchParams(location.search).get("n");
  let shown = null;
  let map = null;

  function title() {
    const part = document.createElement("span");
    part.className = "nowrap";
    part.textContent = number || "";
    $("title").replaceChildren(i18n.t("request.title"), part);
  }
  function draw(page) {
    shown = page;
    title();
    $("topic").textContent = page.topic;
    $("status").textContent = i18n.t("state." + page.status);
    $("since").textContent = "(" + i18n.t("status.since") + " " + i18n.when(page.status_since) + ")";
    $("submitted").textContent = i18n.when(page.submitted_at);
    $("place").textContent = [page.address, page.district].filter(Boolean).join(", ");
    $("place").hidden = !page.address && !page.district;
    $("steps").replaceChildren(...page.steps.map((step) => {
      const item = document.createElement("li");
      item.textContent = i18n.when(step.at) + " — " + i18n.t("state." + step.status);
      return item;
    }));
    const photos = page.photos || [];
    $("photos-box").hidden = !photos.length;
    $("photos").replaceChildren(...photos.map((url, i) => {
      const item = document.createElement("li");
      const image = document.createElement("img");
      image.src = url;
      image.alt = i18n.t("request.photo_alt", { n: i + 1 });
      image.loading = "lazy";
      image.width = 240;
      item.append(image);
      return item;
    }));
    $("request").hidden = false;
    const pinned = page.latitude !== null && page.longitude !== null;
    $("map").hidden = !pinned || !window.L;
    if (pinned && window.L && !map) {
      map = L.map("map", { keyboard: true }).setView([page.latitude, page.longitude], 16);
      window.civicdeskBasemap(map);
      L.circleMarker([page.latitude, page.longitude], { radius: 10, weight: 3 }).addTo(map);
    }
    if (map) $("map").setAttribute("aria-label", i18n.t("request.map"));
  }
  async function load() {
    if (!number) { $("message").textContent = i18n.t("request.none"); return; }
    const answer = await fetch("/places/requests/" + encodeURIComponent(number) + "?" +
      new URLSearchParams({ locale: i18n.lang })).catch(() => null);
    if (!answer || !answer.ok) {
      const body = answer ? await answer.json().catch(() => ({})) : {};
      $("message").textContent = answer && answer.status === 404 ? i18n.t("request.none")
        : i18n.refusal(body, answer ? answer.status : 0, answer?.headers.get("Retry-After"));
      return;
    }
    $("message").textContent = "";
    draw(await answer.json());
  }
  $("lang").addEventListener("click", () => i18n.toggle());
  // The topic's and district's names come in the reader's language: ask again on a switch.
  document.addEventListener("civicdesk:lang", () => { title(); if (shown) { draw(shown); load(); } });
  i18n.ready.then(() => { title(); load(); });
})();
