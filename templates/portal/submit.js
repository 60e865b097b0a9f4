// The request form: two-level topic picker, errors shown next to their fields, nothing typed is
// lost on failure, one Idempotency-Key per form so a retry never makes a second request.
(() => {
  const api = document.querySelector('meta[name="civicdesk-api"]')?.content || "";
  const i18n = window.civicdeskI18n;
  const $ = (id) => document.getElementById(id);
  const idempotencyKey = (crypto.randomUUID && crypto.randomUUID()) || String(Date.now() + Math.random());
  // API field paths → the input that shows the problem.
  const FIELDS = {
    subject: "subject", description: "description", category: "category",
    "requester.full_name": "full_name", "requester.email": "email", "requester.phone": "phone",
    "requester.preferred_channel": "preferred_channel", "requester": "full_name",
    "consent.accepted": "consent", "consent.text_version": "consent", consent: "consent",
    "location.address": "address", "location.latitude": "latitude", "location.longitude": "longitude",
    "location.district": "address", location: "address",
  };
  let tree = null;
  let consentVersion = "";

  function name(item) { return item.name[i18n.lang] || item.name.en; }

  function fillTopics() {
    const chosen = $("topic").value;
    $("topic").replaceChildren(new Option(i18n.t("topic.choose"), ""),
      ...tree.map((c) => new Option(name(c), c.code)));
    $("topic").value = chosen;
    fillLeaves();
  }
  function fillLeaves() {
    const chosen = $("category").value;
    const topic = tree.find((c) => c.code === $("topic").value);
    $("category").replaceChildren(new Option(i18n.t("subtopic.choose"), ""),
      ...(topic ? topic.children.map((c) => new Option(name(c), c.code)) : []));
    $("category").value = chosen;
  }

  function clearErrors() {
    $("summary").textContent = "";
    for (const el of document.querySelectorAll(".error[id$='-error']")) el.textContent = "";
    for (const el of document.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  }
  function showErrors(fields) {
    let first = null;
    for (const { field, problem } of fields) {
      const id = FIELDS[field] || FIELDS[field.split(".").slice(0, 2).join(".")] || "subject";
      $(id).setAttribute("aria-invalid", "true");
      $(id + "-error").textContent = problem;
      first = first || $(id);
    }
    $("summary").textContent = i18n.t("fix");
    if (first) first.focus();
  }
  // The phone's position fills the coordinates (no map tiles needed); the address stays optional.
  function locate() {
    $("locate-status").textContent = i18n.t("locating");
    navigator.geolocation.getCurrentPosition((position) => {
      $("latitude").value = position.coords.latitude.toFixed(6);
      $("longitude").value = position.coords.longitude.toFixed(6);
      $("locate-status").textContent = "";
    }, () => { $("locate-status").textContent = i18n.t("locate_failed"); },
    { enableHighAccuracy: true, timeout: 15000 });
  }
  if (navigator.geolocation) {
    $("locate").hidden = false;
    $("locate").addEventListener("click", locate);
  }

  function number(id) {
    const value = $(id).value.trim().replace(",", ".");
    return value === "" ? null : Number(value);
  }
  function body() {
    const location = { address: $("address").value.trim() || null,
                       latitude: number("latitude"), longitude: number("longitude") };
    const hasLocation = Object.values(location).some((v) => v !== null);
    return {
      subject: $("subject").value, description: $("description").value,
      category: $("category").value,
      requester: { full_name: $("full_name").value, email: $("email").value.trim() || null,
                   phone: $("phone").value.trim() || null,
                   preferred_channel: $("preferred_channel").value, locale: i18n.lang },
      location: hasLocation ? location : null,
      consent: { accepted: $("consent").checked, text_version: consentVersion },
      danger: $("danger").checked,
    };
  }

  async function uploadPhoto(receipt) {
    const file = $("photo").files[0];
    if (!file) return true;
    const headers = { "Content-Type": "application/json", "X-Access-Token": receipt.access_token };
    const path = "/requests/" + encodeURIComponent(receipt.number) + "/attachments";
    try {
      const ticket = await (await fetch(api + path, { method: "POST", headers,
        body: JSON.stringify({ filename: file.name, content_type: file.type, size: file.size }) })).json();
      const form = new FormData();
      for (const [k, v] of Object.entries(ticket.fields)) form.append(k, v);
      form.append("file", file);
      const stored = await fetch(ticket.url, { method: "POST", body: form });
      if (!stored.ok) return false;
      const confirmed = await fetch(api + ticket.confirm_path, { method: "PUT", headers,
        body: JSON.stringify({ filename: file.name }) });
      return confirmed.ok;
    } catch (error) { return false; }
  }

  async function submit(event) {
    event.preventDefault();
    clearErrors();
    $("send").disabled = true;
    $("send").textContent = i18n.t("sending");
    try {
      const response = await fetch(api + "/requests", { method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
        body: JSON.stringify(body()) });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        const fields = answer.error?.fields || [];
        if (fields.length) showErrors(fields);
        else $("summary").textContent = answer.error?.message || i18n.t("failed");
        return;
      }
      const photo = await uploadPhoto(answer);
      $("number").textContent = answer.number;
      $("due").textContent = new Date(answer.first_response_due).toLocaleString(i18n.lang);
      $("status-link").href = answer.status_url;
      $("photo-failed").hidden = photo;
      $("request").hidden = true;
      $("done").hidden = false;
      $("done").focus();
    } catch (error) {
      $("summary").textContent = i18n.t("failed");
    } finally {
      $("send").disabled = false;
      $("send").textContent = i18n.t("send");
    }
  }

  $("topic").addEventListener("change", fillLeaves);
  $("request").addEventListener("submit", submit);
  $("lang").addEventListener("click", () => i18n.toggle());
  document.addEventListener("civicdesk:lang", () => { if (tree) fillTopics(); });
  fetch(api + "/categories").then((r) => r.json()).then((answer) => {
    tree = answer.categories;
    consentVersion = answer.consent_version;
    fillTopics();
  }).catch(() => { $("summary").textContent = i18n.t("failed"); });
})();
