// The request form: two-level topic picker; every problem the browser can see is shown at once
// before sending, each next to its field and in a summary, in the reader's words (by the
// problem's code, never the server's English); nothing typed is lost on failure; one
// Idempotency-Key per form so a retry never makes a second request.
(() => {
  const api = document.querySelector('meta[name="civicdesk-api"]')?.content || "";
  const i18n = window.civicdeskI18n;
  const $ = (id) => document.getElementById(id);
  const idempotencyKey = (crypto.randomUUID && crypto.randomUUID()) || String(Date.now() + Math.random());
  // API field paths → the input that shows the problem.
  const FIELDS = {
    subject: "subject", description: "description", category: "category", topic: "topic",
    "requester.full_name": "full_name", "requester.email": "email", "requester.phone": "phone",
    "requester.preferred_channel": "preferred_channel",
    "consent.accepted": "consent", "consent.text_version": "consent", consent: "consent",
    "location.address": "address", "location.latitude": "latitude",
    "location.longitude": "longitude", "location.district": "address", photo: "photo",
  };
  // Problems of a whole object ("requester", "location") belong to one of its inputs.
  const BY_CODE = {
    needs_email_for_email_updates: "email", needs_phone_for_phone_updates: "phone",
    coordinates_in_pairs: "latitude", consent_required: "consent", consent_text_changed: "consent",
  };
  // The API's own rules (services/commands.py), checked here so nothing is sent in waves.
  const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
  const PHONE = /^\+?[0-9()\-][0-9 ()\-]{3,18}[0-9()\-]$/;
  const LIMITS = { subject: [3, 200], description: [3, 5000], full_name: [2, 200] };
  const PHOTO_TYPES = ["image/jpeg", "image/png"];
  let tree = null;
  let consentVersion = "";
  let problems = [];      // [{input, field, code}] on screen; drawn again in another language
  let refusal = null;     // the last refusal without field problems: {answer, status, retryAfter}
  let receipt = null;

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

  function number(id) {
    const value = $(id).value.trim().replace(",", ".");
    return value === "" ? null : Number(value);
  }

  function check() {
    const found = [];
    const problem = (input, field, code) => found.push({ input, field, code });
    const text = (id) => $(id).value.trim();
    if (!$("topic").value) problem("topic", "topic", "required");
    else if (!$("category").value) problem("category", "category", "required");
    for (const [id, field] of [["subject", "subject"], ["description", "description"],
      ["full_name", "requester.full_name"]]) {
      const [min, max] = LIMITS[id];
      const value = text(id);
      if (!value) problem(id, field, "required");
      else if (value.length < min) problem(id, field, "too_short");
      else if (value.length > max) problem(id, field, "too_long");
    }
    const email = text("email");
    const phone = text("phone");
    if (email && !EMAIL.test(email)) problem("email", "requester.email", "bad_format");
    if (phone && !PHONE.test(phone)) problem("phone", "requester.phone", "bad_format");
    if ($("preferred_channel").value === "email" && !email) {
      problem("email", "requester", "needs_email_for_email_updates");
    }
    if ($("preferred_channel").value === "sms" && !phone) {
      problem("phone", "requester", "needs_phone_for_phone_updates");
    }
    const latitude = number("latitude");
    const longitude = number("longitude");
    if ((latitude === null) !== (longitude === null)) {
      problem(latitude === null ? "latitude" : "longitude", "location", "coordinates_in_pairs");
    }
    for (const [id, value, bound] of [["latitude", latitude, 90], ["longitude", longitude, 180]]) {
      if (value === null) continue;
      if (Number.isNaN(value)) problem(id, "location." + id, "wrong_type");
      else if (value < -bound) problem(id, "location." + id, "too_small");
      else if (value > bound) problem(id, "location." + id, "too_large");
    }
    const photo = $("photo").files[0];
    if (photo && !PHOTO_TYPES.includes(photo.type)) problem("photo", "photo", "wrong_type");
    if (!$("consent").checked) problem("consent", "consent", "consent_required");
    return found;
  }

  // Everything on screen about problems is drawn from `problems` and `refusal`, so switching
  // language draws it again in the other one.
  function drawProblems() {
    for (const el of document.querySelectorAll(".error[id$='-error']")) el.textContent = "";
    for (const el of document.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    const list = [];
    const seen = new Set();
    for (const { input, field, code } of problems) {
      const sentence = i18n.problem(field, code);
      if (input && !seen.has(input)) {
        seen.add(input);
        $(input).setAttribute("aria-invalid", "true");
        $(input + "-error").textContent = sentence;
      }
      const item = document.createElement("li");
      if (input) {
        const link = document.createElement("a");
        link.href = "#" + input;
        link.textContent = sentence;
        link.addEventListener("click", (event) => { event.preventDefault(); $(input).focus(); });
        item.append(link);
      } else item.textContent = sentence;
      list.push(item);
    }
    $("summary-list").replaceChildren(...list);
    $("summary-title").textContent = problems.length ? i18n.t("errors.title") : "";
    $("summary-count").textContent = !problems.length ? "" :
      problems.length === 1 ? i18n.t("errors.one") : i18n.t("errors.many", { n: problems.length });
    $("notice").textContent = refusal ? i18n.refusal(refusal.answer, refusal.status, refusal.retryAfter) : "";
    $("summary").hidden = !problems.length;
  }
  function show(found, answer, status, retryAfter) {
    problems = found;
    refusal = found.length || answer === undefined ? null : { answer, status, retryAfter };
    drawProblems();
    if (problems.length) $("summary").focus();
  }
  function fromApi(fields) {
    return fields.map(({ field, code }) => ({
      input: BY_CODE[code] || FIELDS[field] || FIELDS[field.split(".").slice(0, 2).join(".")] || null,
      field, code: code || "invalid",
    }));
  }

  // The phone's position fills the coordinates (no map tiles needed); the address stays optional.
  // The browser's own timeout starts only once the resident has answered its permission
  // question; a question left open would keep "Finding where you are" on screen for ever, so
  // after a while the resident is told they may type the place meanwhile.
  function locate() {
    $("locate-status").textContent = i18n.t("locating");
    const stillWaiting = setTimeout(() => {
      $("locate-status").textContent = i18n.t("locate_slow");
    }, 10000);
    navigator.geolocation.getCurrentPosition((position) => {
      clearTimeout(stillWaiting);
      $("latitude").value = position.coords.latitude.toFixed(6);
      $("longitude").value = position.coords.longitude.toFixed(6);
      $("locate-status").textContent = "";
      document.dispatchEvent(new CustomEvent("civicdesk:place-typed"));
    }, () => {
      clearTimeout(stillWaiting);
      $("locate-status").textContent = i18n.t("locate_failed");
    }, { enableHighAccuracy: true, timeout: 15000 });
  }
  if (navigator.geolocation) {
    $("locate").hidden = false;
    $("locate").addEventListener("click", locate);
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

  async function uploadPhoto(answer) {
    const original = $("photo").files[0];
    if (!original) return true;
    try {
      await window.civicdeskPhotos.upload(api, answer.number, answer.access_token, original);
      return true;
    } catch (error) { return false; }
  }

  function drawReceipt() {
    if (!receipt) return;
    $("number").textContent = receipt.number;
    $("due").textContent = i18n.when(receipt.first_response_due);
    $("status-link").href = receipt.status_url;
  }

  async function submit(event) {
    event.preventDefault();
    const found = check();
    if (found.length) { show(found); return; }
    show([]);
    $("send").disabled = true;
    $("send").textContent = i18n.t("sending");
    try {
      const response = await fetch(api + "/requests", { method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
        body: JSON.stringify(body()) });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        show(fromApi(answer.error?.fields || []), answer, response.status,
          response.headers.get("Retry-After"));
        return;
      }
      const photo = await uploadPhoto(answer);
      receipt = answer;
      drawReceipt();
      $("photo-failed").hidden = photo;
      $("request").hidden = true;
      $("done").hidden = false;
      $("done").focus();
    } catch (error) {
      show([], {}, 0);
    } finally {
      $("send").disabled = false;
      $("send").textContent = i18n.t("send");
    }
  }

  // A photo that knows where it was taken places the pin, when the form has no place yet
  // (the location itself never leaves the browser inside the file: shrinking drops it).
  $("photo").addEventListener("change", async () => {
    const file = $("photo").files[0];
    if (!file || !window.civicdeskPhotos || $("latitude").value || $("longitude").value) return;
    const found = await window.civicdeskPhotos.gpsOf(file);
    if (!found || !window.civicdeskMap?.map) return;
    window.civicdeskMap.place({ lat: found[0], lng: found[1] }, true);
    window.civicdeskMap.map.setView(found, 16);
    $("locate-status").textContent = i18n.t("map.from_photo");
  });
  // The consent version in force, for the "Me too" form beside this one (similar.js).
  window.civicdeskForm = { consentVersion: () => consentVersion };
  $("topic").addEventListener("change", fillLeaves);
  $("request").addEventListener("submit", submit);
  $("lang").addEventListener("click", () => i18n.toggle());
  document.addEventListener("civicdesk:lang", () => {
    if (tree) fillTopics();
    drawProblems();
    drawReceipt();
  });
  Promise.all([i18n.ready, fetch(api + "/categories").then((r) => r.json())]).then(([, answer]) => {
    tree = answer.categories;
    consentVersion = answer.consent_version;
    fillTopics();
  }).catch(() => show([], {}, 0));
})();
