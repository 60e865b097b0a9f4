// "Already reported?": once the form has a topic and a place, the reports of the same problem
// near it (GET /places/similar: topic, place, status, age, a photo; nothing personal). The
// citizen may follow one ("Me too": a contact and consent, POST /requests/{n}/followers) and
// get its news instead of sending a new request, or send theirs anyway.
(() => {
  const api = document.querySelector('meta[name="civicdesk-api"]')?.content || "";
  const i18n = window.civicdeskI18n;
  const $ = (id) => document.getElementById(id);
  const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
  const PHONE = /^\+?[0-9()\-][0-9 ()\-]{3,18}[0-9()\-]$/;
  const INPUTS = { email: "follow-email", phone: "follow-phone", "consent.accepted": "follow-consent",
    "consent.text_version": "follow-consent", consent: "follow-consent" };
  const BY_CODE = { needs_email_for_email_updates: "follow-email", needs_phone_for_phone_updates: "follow-phone",
    consent_required: "follow-consent", consent_text_changed: "follow-consent" };
  let found = [];
  let chosen = null;      // the number the follow form is for
  let followed = {};      // number → "new" | "already"
  let asked = 0;
  let timer = null;
  let problems = [];
  let refusal = null;

  function wanted() {
    const category = $("category").value;
    const latitude = $("latitude").value.trim().replace(",", ".");
    const longitude = $("longitude").value.trim().replace(",", ".");
    const address = $("address").value.trim();
    const pinned = latitude && longitude && !Number.isNaN(Number(latitude)) && !Number.isNaN(Number(longitude));
    if (!category || (!pinned && !address)) return null;
    const query = { category, locale: i18n.lang,
      text: ($("subject").value + " " + $("description").value).trim().slice(0, 1000) };
    if (pinned) Object.assign(query, { latitude: Number(latitude).toFixed(6), longitude: Number(longitude).toFixed(6) });
    if (address) query.address = address.slice(0, 300);
    return new URLSearchParams(query);
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(look, 300);
  }

  async function look() {
    const query = wanted();
    const question = ++asked;
    if (!query) { found = []; draw(); return; }
    try {
      const answer = await fetch(api + "/places/similar?" + query);
      if (!answer.ok) throw new Error(String(answer.status));
      const body = await answer.json();
      if (question !== asked) return;
      found = body.requests;
    } catch (error) { if (question === asked) found = []; }
    draw();
  }

  function age(days) { return days === 0 ? i18n.t("age.today") : i18n.t("age.days", { n: days }); }

  function describe(item) {
    const parts = [item.topic, i18n.t("state." + item.status), age(item.age_days)];
    parts.push(item.distance_metres == null ? i18n.t("similar.same_address")
      : i18n.t("similar.metres", { n: item.distance_metres }));
    return parts.join(" · ");
  }

  function draw() {
    $("similar").hidden = !found.length;
    if (chosen && !found.some((item) => item.number === chosen)) chosen = null;
    $("similar-list").replaceChildren(...found.map((item) => {
      const entry = document.createElement("li");
      if (item.photo_url) {
        const photo = document.createElement("img");
        photo.src = item.photo_url;
        photo.alt = i18n.t("similar.photo", { topic: item.topic });
        photo.width = 96;
        photo.loading = "lazy";
        entry.append(photo);
      }
      const words = document.createElement("p");
      const number = document.createElement("span");
      number.className = "nowrap";
      number.textContent = "№ " + item.number;
      words.append(number, " — " + describe(item));
      if (item.address) words.append(document.createElement("br"), item.address);
      if (item.followers) words.append(document.createElement("br"), i18n.t("similar.followers", { n: item.followers }));
      const page = document.createElement("a");
      page.href = "/r/" + encodeURIComponent(item.number);
      page.textContent = i18n.t("similar.open");
      page.target = "_blank";
      page.rel = "noopener";
      const done = followed[item.number];
      const actions = document.createElement("p");
      actions.append(page);
      if (done) {
        actions.append(" ", i18n.t(done === "already" ? "follow.already" : "follow.done", { number: item.number }));
      } else {
        const metoo = document.createElement("button");
        metoo.type = "button";
        metoo.className = "secondary";
        metoo.textContent = i18n.t("similar.metoo");
        metoo.setAttribute("aria-controls", "follow");
        metoo.setAttribute("aria-expanded", String(chosen === item.number));
        metoo.addEventListener("click", () => choose(item.number));
        actions.append(" ", metoo);
      }
      entry.append(words, actions);
      return entry;
    }));
    $("follow").hidden = !chosen;
    if (chosen) $("follow-title").textContent = i18n.t("follow.title", { number: chosen });
    drawProblems();
  }

  function choose(number) {
    chosen = number;
    problems = [];
    refusal = null;
    // What the form below already holds is offered here: typed once.
    if (!$("follow-email").value) $("follow-email").value = $("email").value;
    if (!$("follow-phone").value) $("follow-phone").value = $("phone").value;
    $("follow-channel").value = $("preferred_channel").value;
    draw();
    $("follow-email").focus();
  }

  function check() {
    const list = [];
    const email = $("follow-email").value.trim();
    const phone = $("follow-phone").value.trim();
    if (email && !EMAIL.test(email)) list.push({ input: "follow-email", field: "requester.email", code: "bad_format" });
    if (phone && !PHONE.test(phone)) list.push({ input: "follow-phone", field: "requester.phone", code: "bad_format" });
    if ($("follow-channel").value === "email" && !email) {
      list.push({ input: "follow-email", field: "requester", code: "needs_email_for_email_updates" });
    }
    if ($("follow-channel").value === "sms" && !phone) {
      list.push({ input: "follow-phone", field: "requester", code: "needs_phone_for_phone_updates" });
    }
    if (!$("follow-consent").checked) list.push({ input: "follow-consent", field: "consent", code: "consent_required" });
    return list;
  }

  function drawProblems() {
    for (const id of ["follow-email", "follow-phone", "follow-consent"]) {
      $(id + "-error").textContent = "";
      $(id).removeAttribute("aria-invalid");
    }
    for (const { input, field, code } of problems) {
      if (!input || $(input + "-error").textContent) continue;
      $(input).setAttribute("aria-invalid", "true");
      $(input + "-error").textContent = i18n.problem(field, code);
    }
    $("follow-status").textContent = refusal ? i18n.refusal(refusal.answer, refusal.status, refusal.retryAfter) : "";
  }

  async function send() {
    problems = check();
    refusal = null;
    drawProblems();
    if (problems.length) { $(problems[0].input).focus(); return; }
    const number = chosen;
    const email = $("follow-email").value.trim();
    const phone = $("follow-phone").value.trim();
    $("follow-send").disabled = true;
    try {
      const answer = await fetch(api + "/requests/" + encodeURIComponent(number) + "/followers", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: email || null, phone: phone || null,
          preferred_channel: $("follow-channel").value, locale: i18n.lang,
          consent: { accepted: true, text_version: window.civicdeskForm?.consentVersion() || "" } }) });
      const body = await answer.json().catch(() => ({}));
      if (!answer.ok) {
        const fields = body.error?.fields || [];
        problems = fields.map(({ field, code }) => ({ input: BY_CODE[code] || INPUTS[field] || null, field, code }));
        if (!problems.some((p) => p.input)) refusal = { answer: body, status: answer.status, retryAfter: answer.headers.get("Retry-After") };
        drawProblems();
        return;
      }
      followed[number] = body.already ? "already" : "new";
      if (body.number !== number) followed[body.number] = followed[number];
      chosen = null;
      draw();
      $("similar-list").querySelector("a")?.focus();
    } catch (error) {
      refusal = { answer: {}, status: 0 };
      drawProblems();
    } finally { $("follow-send").disabled = false; }
  }

  $("follow-send").addEventListener("click", send);
  $("category").addEventListener("change", soon);
  $("topic").addEventListener("change", soon);
  $("address").addEventListener("change", soon);
  $("latitude").addEventListener("change", soon);
  $("longitude").addEventListener("change", soon);
  $("subject").addEventListener("change", soon);
  document.addEventListener("civicdesk:place", soon);
  document.addEventListener("civicdesk:lang", () => { draw(); if (found.length) soon(); });
})();
