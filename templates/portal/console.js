// The staff console: sign-in, the department queue with deadline colours, a card with its
// history and actions, template replies with preview and approval, phone calls, and the
// manager's overview. Plain JS over the staff API on the same origin; nothing is rendered on
// a server. A failed action keeps everything typed and names the field next to it.
(() => {
  const i18n = window.civicdeskI18n;
  const t = (key, values) => i18n.t(key, values);
  const $ = (id) => document.getElementById(id);
  const TOKEN = "civicdesk.staff-token";
  // The sign-in's refresh token (Cognito's: it lasts a working day; the ID token an hour).
  const REFRESH = "civicdesk.staff-refresh";
  // The access token: only for setting up the person's own authenticator app at the pool.
  const ACCESS = "civicdesk.staff-access";
  const RENEW_BEFORE_MS = 5 * 60 * 1000;
  const VERIFIER = "civicdesk.pkce-verifier";
  const VIEWS = ["signin", "second-factor", "queue", "card", "search", "call", "manager", "reports", "clients",
    "data-requests"];
  const FACETS = ["status", "category", "department", "district", "channel", "overdue"];
  const STATUSES = ["received", "in_progress", "needs_clarification", "awaiting_requester",
    "resolved", "closed"];
  const APPROVERS = ["manager", "admin"];
  // The transition fields that are one free text: the form shows one box labelled for it.
  const TEXT_FIELDS = ["question", "note", "resolution", "closure_reason", "reason"];
  const WAITS = ["needs_clarification", "awaiting_requester"];
  const SOON_MS = 24 * 3600 * 1000;
  let config = { auth: "dev" };
  let me = null;
  let tree = [];
  let card = null;
  let overdueNumbers = new Set();
  let view = null;

  class ApiError extends Error {
    constructor(message, fields, status) { super(message); this.fields = fields; this.status = status; }
  }

  async function call(path, options = {}) {
    const token = sessionStorage.getItem(TOKEN);
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = token;
    let response;
    try {
      response = await fetch(path, { ...options, headers });
    } catch (error) {
      throw new ApiError(t("c.offline"), [], 0);
    }
    const body = await response.json().catch(() => ({}));
    if (response.status === 401) {
      sessionStorage.removeItem(TOKEN);
      me = null;
      route();
      throw new ApiError(t("c.signin.expired"), [], 401);
    }
    // The role needs an authenticator app the account no longer has: set it up first.
    if (response.status === 403 && body.error?.code === "second_factor_required" && me) {
      me.second_factor = "missing";
      route();
    }
    // The refusal in the reader's words, by its code: never the server's English or a trace.
    if (!response.ok) {
      throw new ApiError(i18n.refusal(body, response.status, response.headers.get("Retry-After")),
        body.error?.fields || [], response.status);
    }
    return body;
  }
  const post = (path, body) => call(path, { method: "POST", body: JSON.stringify(body) });

  // ---- messages and field errors

  function say(text, isError) {
    $("alert").textContent = isError ? text : "";
    $("status-line").textContent = isError ? "" : text;
  }

  function clearErrors(form) {
    for (const el of $(form).querySelectorAll(".error")) el.textContent = "";
    for (const el of $(form).querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  }

  // The input a field named in an API error belongs to: "<form>-<field>" mostly.
  function fieldElement(form, field) {
    const prefix = form.replace(/-form$/, "");
    if (prefix === "transition" && (TEXT_FIELDS.includes(field) || field === "executor_id")) {
      return field === "executor_id" ? "transition-to" : "transition-text";
    }
    if (prefix === "call" && field.startsWith("location")) return "call-address";
    if (prefix === "call" && field === "caller") return "call-caller.phone"; // a contact is missing
    if (prefix === "reply" && field === "contact") return "reply-contact";
    return prefix + "-" + field.split(".").slice(0, prefix === "call" ? 2 : 1).join(".");
  }

  // A field the API named, in the reader's words where the console has a label for it.
  function fieldLabel(field) {
    const key = "c.field." + field.split(".").pop();
    const label = t(key);
    return label === key ? field : label;
  }

  // One field problem the API named, in the reader's words ("Reason: Please fill this in.").
  const problemWords = (p) => i18n.problem(p.field.split(".").pop(), p.code);
  const labelled = (p) => fieldLabel(p.field) + ": " + problemWords(p);

  // A refusal body of one card in a bulk answer: its field problems, else its code's words.
  function problemText(error) {
    if (!error) return "";
    const fields = (error.fields || []).map(labelled);
    return fields.length ? fields.join("; ") : i18n.refusal({ error }, 400);
  }

  function showProblem(error) {
    say([error.message, ...(error.fields || []).map(labelled)].join(" — "), true);
  }

  function showError(form, error) {
    clearErrors(form);
    const unplaced = [];
    for (const problem of error.fields || []) {
      const id = fieldElement(form, problem.field);
      const box = $(id + "-error");
      if (!box) { unplaced.push(labelled(problem)); continue; }
      box.textContent = problemWords(problem);
      $(id)?.setAttribute("aria-invalid", "true");
    }
    // Focus the first field in reading order, whatever order the API named them in.
    const first = $(form).querySelector("[aria-invalid=true]");
    const conflict = error.status === 409 ? " " + t("c.conflict") : "";
    say([error.message + conflict, ...unplaced].join(" — "), true);
    if (first) first.focus();
    if (error.status === 409 && card) loadCard(card.number, { keepForms: true });
  }

  // ---- sign-in

  // ``then`` runs once the person is known (route by default: the view the address names).
  async function signIn(then = route) {
    config = await fetch("console-config.json").then((r) => r.json()).catch(() => config);
    const code = new URLSearchParams(location.search).get("code");
    if (code && config.auth === "cognito") await finishSso(code);
    if (sessionStorage.getItem(TOKEN)) {
      try { me = await call("/staff/me"); } catch (error) { me = null; }
    }
    if (me) {
      keepSignedIn();
      renderWho();
      $("sign-out").hidden = false;
      $("nav").hidden = me.second_factor === "missing";
      const oversees = me.roles.some((r) => ["manager", "controller", "admin"].includes(r));
      $("nav-manager").hidden = !oversees;
      $("nav-reports").hidden = !oversees;
      $("nav-clients").hidden = !me.roles.includes("admin");
      $("nav-privacy").hidden = !me.roles.includes("admin");
      fillDepartments();
    }
    then();
  }

  function renderWho() {
    $("who").textContent = me.name + " — " + me.roles.map((r) => t("role." + r)).join(", ");
  }

  async function showSignIn() {
    $("dev-signin").hidden = config.auth !== "dev";
    $("sso-signin").hidden = config.auth !== "cognito";
    if (config.auth === "dev" && !$("signin-staff").options.length) {
      try {
        const staff = await call("/dev/staff");
        $("signin-staff").replaceChildren(...staff.map((s) =>
          option(s.id, s.name + " (" + s.roles.map((r) => t("role." + r)).join(", ") + ")")));
      } catch (error) { say(t("c.signin.dev_off"), true); }
    }
  }

  async function devSignIn(event) {
    event.preventDefault();
    try {
      const answer = await post("/dev/sign-in", { staff_id: $("signin-staff").value });
      sessionStorage.setItem(TOKEN, answer.token);
      location.hash = "#/queue";
      await signIn();
    } catch (error) { showError("dev-signin", error); }
  }

  // Cognito's hosted UI, authorization code with PKCE: no client secret in the browser.
  async function startSso() {
    const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
    sessionStorage.setItem(VERIFIER, verifier);
    const challenge = base64url(new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
    const query = new URLSearchParams({ response_type: "code", client_id: config.client_id,
      redirect_uri: config.redirect_uri, scope: "openid email profile",
      code_challenge_method: "S256", code_challenge: challenge });
    location.assign(config.domain + "/oauth2/authorize?" + query);
  }

  // The user pool's token endpoint, for either grant: the tokens kept if it gave them (true),
  // false if it refused; a network failure is thrown to the caller.
  async function takeTokens(grant) {
    const response = await fetch(config.domain + "/oauth2/token", { method: "POST",
      body: new URLSearchParams({ ...grant, client_id: config.client_id }),
      headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    const tokens = await response.json().catch(() => ({}));
    if (!response.ok || !tokens.id_token) return false;
    sessionStorage.setItem(TOKEN, tokens.id_token);
    if (tokens.access_token) sessionStorage.setItem(ACCESS, tokens.access_token);
    if (tokens.refresh_token) sessionStorage.setItem(REFRESH, tokens.refresh_token);
    return true;
  }

  async function finishSso(code) {
    const grant = { grant_type: "authorization_code", code, redirect_uri: config.redirect_uri,
      code_verifier: sessionStorage.getItem(VERIFIER) || "" };
    history.replaceState(null, "", location.pathname + location.hash);
    const taken = await takeTokens(grant).catch(() => false);
    if (!taken) say(t("c.signin.failed"), true);
  }

  // Staying signed in through a shift: a new ID token a few minutes before the one in use
  // ends, from the refresh token, with no page reload (forms keep what is typed). A tab in
  // the background may sleep through the moment: it renews as soon as it is looked at again.
  let renewal = null;
  function expiresAt(token) {
    try {
      const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(part)).exp * 1000;
    } catch (error) { return 0; }
  }
  function keepSignedIn() {
    clearTimeout(renewal);
    const token = sessionStorage.getItem(TOKEN);
    if (!token || !sessionStorage.getItem(REFRESH) || config.auth !== "cognito") return;
    renewal = setTimeout(renew, Math.max(0, expiresAt(token) - Date.now() - RENEW_BEFORE_MS));
  }
  async function renew() {
    let taken;
    try {
      taken = await takeTokens({ grant_type: "refresh_token",
        refresh_token: sessionStorage.getItem(REFRESH) || "" });
    } catch (error) {
      renewal = setTimeout(renew, 60 * 1000); // offline for a moment: try again in a minute
      return;
    }
    // Refused: the sign-in itself ended (the day is over, or it was revoked); the next call
    // says so.
    if (taken) keepSignedIn();
    else sessionStorage.removeItem(REFRESH);
  }
  document.addEventListener("visibilitychange", () => { if (!document.hidden) keepSignedIn(); });

  function signOut() {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(REFRESH);
    sessionStorage.removeItem(ACCESS);
    clearTimeout(renewal);
    me = null;
    $("sign-out").hidden = true;
    $("nav").hidden = true;
    $("who").textContent = "";
    if (config.auth === "cognito") {
      location.assign(config.domain + "/logout?" + new URLSearchParams(
        { client_id: config.client_id, logout_uri: config.redirect_uri }));
      return;
    }
    location.hash = "";
    route();
  }

  const base64url = (bytes) => btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

  // ---- routing

  function show(name) {
    for (const v of VIEWS) $(v).hidden = v !== name;
    for (const link of $("nav").querySelectorAll("a")) {
      const current = link.getAttribute("href") === "#/" + name;
      if (current) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
    }
    if (view !== name) {
      view = name;
      const heading = $(name).querySelector("h2");
      if (heading) heading.focus();
    }
  }

  function route() {
    say("");
    if (!me) { show("signin"); showSignIn(); return; }
    if (me.second_factor === "missing") { show("second-factor"); secondFactor.show(); return; }
    const [path, search] = (location.hash || "#/queue").split("?");
    const [, name, arg] = path.split("/");
    if (name === "card" && arg) { show("card"); loadCard(decodeURIComponent(arg)); }
    else if (name === "call") { show("call"); }
    else if (name === "search") { show("search"); }
    else if (name === "reports") { show("reports"); loadReports(); }
    else if (name === "manager") { show("manager"); loadManager(); }
    else if (name === "clients") { show("clients"); clients.load(); }
    else if (name === "data-requests") { show("data-requests"); privacy.load(); }
    else { show("queue"); queue.load(search); }
  }

  // ---- shared bits

  function option(value, label) {
    const el = document.createElement("option");
    el.value = value;
    el.textContent = label;
    return el;
  }

  const staffNames = {};
  const staffName = (id, fallback) => staffNames[id] || fallback || id;
  const departmentName = (id) => {
    const known = me?.queues.find((d) => d.id === id);
    return known ? named(known.name) : id;
  };
  const when = (iso) => i18n.when(iso);
  // A topic in the reader's language from the tree (/categories): "Дороги › Ямы на дороге".
  function topicLabel(code, fallback) {
    for (const top of tree) {
      if (top.code === code) return named(top.name);
      const leaf = top.children.find((c) => c.code === code);
      if (leaf) return named(top.name) + " › " + named(leaf.name);
    }
    return fallback || code;
  }

  // The routing sentence from its recorded parts, in the reader's language; a card routed
  // before the parts were kept shows the English sentence it recorded.
  function routingSentence(routing) {
    const why = routing?.why;
    if (!why) return routing ? routing.reason : "—";
    let text = topicLabel(why.category);
    if (why.district) text += t("c.route.in", { place: districtName(why.district) });
    if (why.window && why.window !== "any") text += t("c.route.window." + why.window);
    if (why.requester_kinds.length) {
      text += t("c.route.from", { kinds: why.requester_kinds.map((k) => t("c.kind." + k)).join(t("c.route.or")) });
    }
    const department = departmentName(why.department);
    text += why.triage ? t("c.route.no_rule", { department }) : t("c.route.to", { department });
    const name = why.owner_id ? staffName(why.owner_id) : "";
    text += "; " + t("c.route.owner." + why.owner, { name, n: why.owner_open ?? 0 });
    if (why.control.length) {
      const reasons = why.control.map((c) => t("c.flag." + c)).join(", ")
        + (why.repeat_of ? t("c.route.after", { n: why.repeat_of }) : "");
      text += t("c.route.control", { why: reasons });
    }
    return text;
  }
  const named = (name) => name[i18n.lang] || name.en;
  // District names from the town's geodata (the map's; cached by the browser for an hour).
  let districts = {};
  const districtName = (id) => (districts[id] ? named(districts[id]) : id);

  function fillDepartments() {
    for (const id of ["queue-department", "manager-department"]) {
      const chosen = $(id).value;
      $(id).replaceChildren(...me.queues.map((d) => option(d.id, named(d.name))));
      if (chosen) $(id).value = chosen;
    }
    const reported = $("reports-department").value;
    const townWide = me.roles.some((r) => ["controller", "admin"].includes(r));
    $("reports-department").replaceChildren(
      option("", t(townWide ? "c.reports.town" : "c.reports.mine")),
      ...(townWide ? me.queues : me.queues.filter((d) => me.departments.includes(d.id)))
        .map((d) => option(d.id, named(d.name))));
    $("reports-department").value = reported;
    if (!$("reports-to").value) {
      // The town's days, as the figures count them: a browser elsewhere (or UTC late in
      // the town's evening) would otherwise ask for a period that ends yesterday.
      const day = (moment) => new Intl.DateTimeFormat("en-CA",
        { timeZone: i18n.town.time_zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(moment);
      const today = new Date();
      $("reports-to").value = day(today);
      $("reports-from").value = day(new Date(today - 30 * 86400000));
    }
    const searched = $("search-status").value;
    $("search-status").replaceChildren(option("", t("c.search.any")),
      ...STATUSES.map((s) => option(s, t("state." + s))));
    $("search-status").value = searched;
  }

  function deadlineClass(summary) {
    if (overdueNumbers.has(summary.number) || summary.overdue_since) return "due-overdue";
    if (summary.status !== "received") return "due-ok";
    const left = new Date(summary.first_response_due) - Date.now();
    if (left < 0) return "due-overdue";
    return left < SOON_MS ? "due-soon" : "due-ok";
  }

  function cardItem(summary) {
    const item = document.createElement("li");
    const tone = deadlineClass(summary);
    item.className = tone;
    const badge = document.createElement("span");
    badge.className = "due " + tone;
    badge.textContent = t("c.due." + tone.slice(4));
    const link = document.createElement("a");
    link.href = "#/card/" + encodeURIComponent(summary.number);
    link.textContent = summary.number + " — " + summary.subject;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [summary.category_label, t("priority." + summary.priority),
      t("state." + summary.status), t("c.first_reply_by") + " " + when(summary.first_response_due),
      summary.overdue_since ? t("c.overdue_since") + " " + when(summary.overdue_since) : "",
      summary.reply_by ? t("c.reply_by") + " " + when(summary.reply_by) : "",
      summary.no_answer_at ? t("c.no_answer") + " " + when(summary.no_answer_at) : "",
      summary.executor_id ? t("c.owner") + " " + staffName(summary.executor_id) : t("c.unassigned")]
      .filter(Boolean).join(" · ");
    item.append(badge, link, meta);
    return item;
  }

  // ---- one card

  async function loadCard(number, options = {}) {
    say(t("c.loading"));
    try {
      card = await call("/staff/cards/" + encodeURIComponent(number));
      renderCard(options.keepForms);
      say("");
      fillExecutors();
    } catch (error) { say(error.message, true); }
  }

  // The card's files, whoever brought them: a photo's preview (made once when it was
  // recorded), name, type and size; each opens through a short-lived link.
  const previews = {};
  function renderFiles() {
    const files = card.attachments || [];
    $("card-files").hidden = !files.length;
    const path = (file) => "/staff/cards/" + encodeURIComponent(card.number) + "/attachments/" +
      encodeURIComponent(file.id);
    $("card-file-list").replaceChildren(...files.map((file) => {
      const item = document.createElement("li");
      const open = document.createElement("button");
      open.type = "button";
      open.className = "link";
      open.addEventListener("click", async () => {
        try { location.href = (await call(path(file))).url; } catch (error) { say(error.message, true); }
      });
      if (file.content_type === "image/jpeg" || file.content_type === "image/png") {
        const image = document.createElement("img");
        image.alt = file.filename;
        image.width = 160;
        const show = (url) => { previews[file.id] = url; image.src = url; };
        if (previews[file.id]) image.src = previews[file.id];
        else call(path(file) + "?variant=thumbnail").then((link) => show(link.url), () => image.remove());
        open.append(image);
      }
      const words = document.createElement("span");
      words.textContent = file.filename;
      open.append(words);
      const facts = document.createElement("small");
      const from = t("c.file_from." + file.source);
      facts.textContent = [file.content_type, Math.max(1, Math.round(file.size / 1024)) + " KB", from].join(" · ");
      item.append(open, facts);
      // The requester's photos are on the request's public page until staff take them off.
      if (file.source === "requester" && file.thumbnail_key) {
        const state = document.createElement("small");
        state.textContent = t(file.hidden_from_public ? "c.photo.hidden" : "c.photo.public");
        const toggle = document.createElement("button");
        toggle.type = "button";
        toggle.className = "link";
        toggle.textContent = t(file.hidden_from_public ? "c.photo.show" : "c.photo.hide");
        toggle.setAttribute("aria-describedby", "photo-name-" + file.id);
        words.id = "photo-name-" + file.id;
        toggle.addEventListener("click", () => askPhotoPublic(file));
        item.append(state, toggle);
      }
      return item;
    }));
  }

  let photoAsked = null;
  function askPhotoPublic(file) {
    photoAsked = { id: file.id, public: Boolean(file.hidden_from_public) };
    $("photo-public-which").textContent = t(photoAsked.public ? "c.photo.show_which" : "c.photo.hide_which",
      { name: file.filename });
    $("photo-public-submit").textContent = t(photoAsked.public ? "c.photo.show" : "c.photo.hide");
    clearErrors("photo-public");
    $("photo-public").hidden = false;
    $("photo-public-reason").focus();
  }

  async function photoPublic(event) {
    event.preventDefault();
    if (!photoAsked) return;
    const body = { attachment_id: photoAsked.id, public: photoAsked.public, version: card.version };
    const why = $("photo-public-reason").value.trim();
    if (why) body.reason = why; // left out when empty: the API says it is required
    const done = photoAsked.public ? "c.photo.shown_done" : "c.photo.hidden_done";
    if (!(await act("photo-public", "/public-photos", body, done))) return;
    $("photo-public-reason").value = "";
    $("photo-public").hidden = true;
    photoAsked = null;
  }

  function renderCard(keepForms) {
    $("card-title").textContent = t("c.card") + " " + card.number;
    $("card-subject").textContent = card.subject;
    const r = card.requester;
    const facts = [
      ["c.status", t("state." + card.status)],
      ["c.category", topicLabel(card.category, card.category_label)],
      ["c.priority", t("priority." + card.priority)],
      ["c.department", departmentName(card.department)],
      ["c.owner", card.executor_id ? staffName(card.executor_id) : t("c.unassigned")],
      ["c.channel", t("c.via." + card.channel)],
      ["c.received", when(card.created_at)],
      ["c.requester", card.personal_data_hidden ? t("c.hidden") :
        [r.full_name, r.email, r.phone].filter(Boolean).join(", ")],
      ["c.place", card.location ? [card.location.address, card.location.district && districtName(card.location.district)].filter(Boolean).join(", ") : "—"],
      ["c.routing", routingSentence(card.routing)],
    ];
    if (card.open_question) facts.push(["c.question", card.open_question]);
    if (card.reply_by) facts.push(["c.reply_by_fact", when(card.reply_by)]);
    if (card.no_answer_at) facts.push(["c.no_answer_fact", when(card.no_answer_at)]);
    if (card.objection_until) facts.push(["c.objection_until", when(card.objection_until)]);
    if (card.approval_required) facts.push(["c.control", t("c.control_text")]);
    $("card-facts").replaceChildren(...facts.flatMap(([key, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = t(key);
      const dd = document.createElement("dd");
      dd.textContent = value;
      return [dt, dd];
    }));
    $("card-description").textContent = card.description;
    renderFiles();
    renderPlace();
    duplicates.render(card);
    fillCorrection(keepForms);
    $("card-timers").replaceChildren(...card.timers.map((timer) => {
      const item = document.createElement("li");
      const tone = timer.state === "breached" ? "due-overdue" :
        timer.state === "running" && timer.share_used >= 0.75 ? "due-soon" : "due-ok";
      const badge = document.createElement("span");
      badge.className = "due " + tone;
      badge.textContent = t("timer." + timer.state);
      item.append(badge, t("timer." + timer.kind) + ": " +
        (timer.met_at ? t("c.met_at") + " " + when(timer.met_at) : t("c.due_at") + " " + when(timer.due_at)));
      return item;
    }));
    const previous = $("transition-to").value;
    $("transition-to").replaceChildren(...card.next_statuses.map((next) => {
      const el = option(next.to, t("state." + next.to) + (next.blocked_by ? " — " + t("c.move.assign_first") : ""));
      el.disabled = Boolean(next.blocked_by);
      return el;
    }));
    const open = card.next_statuses.filter((n) => !n.blocked_by).map((n) => n.to);
    if (keepForms && open.includes(previous)) $("transition-to").value = previous;
    else if (open.length) $("transition-to").value = open[0];
    transitionField();
    renderReplies();
    // What the requester saw on one side; every note for staff (even on a public step) on the other.
    const [pub, internal] = [[], []];
    for (const entry of card.history) {
      if (entry.public) pub.push(historyItem(entry, { notes: false }));
      if (!entry.public || entry.internal_note) internal.push(historyItem(entry, { notes: true }));
    }
    $("history-public").replaceChildren(...pub);
    $("history-internal").replaceChildren(...internal);
    if (!keepForms) for (const form of ["assign", "transition", "comment", "reply"]) {
      $(form).reset();
      clearErrors(form);
      $("preview").hidden = true;
    }
    replyKind();
  }

  // A note CivicDesk wrote itself, said again from what the entry records, in the reader's
  // language; null for a person's own words (shown as they wrote them).
  function systemNote(entry) {
    const changed = (field) => entry.changes.find((c) => c.field === field || c.field.startsWith(field + "."));
    if (entry.action === "created" && card.routing?.why && entry.internal_note.text.split("\n")[0] === card.routing.reason) {
      // Routing's reason, then what intake found the card may repeat.
      return [routingSentence(card.routing),
        ...card.possible_duplicates.map((n) => t("c.note.likely", { n }))].join("\n");
    }
    if (entry.action === "merged" && changed("duplicate_of")) {
      return t("c.note.merged", { n: changed("duplicate_of").after });
    }
    if (entry.action === "duplicate_joined" && changed("merged")) {
      return t("c.note.joined", { n: changed("merged").after });
    }
    if (entry.action === "deadline_missed" && changed("deadline_missed")) {
      const kind = changed("deadline_missed").after.split("@")[0];
      return t("c.note.deadline_missed", { timer: t("timer." + kind) });
    }
    if (entry.actor.kind === "system" && entry.action === "status_changed" && changed("no_answer_at")) {
      return t("c.note.no_answer");
    }
    if (entry.action === "reply_drafted" && changed("replies")) {
      const reply = card.replies.find((r) => "replies." + r.id === changed("replies").field);
      if (reply) {
        return t("c.note.reply_waits", { kind: t("c.reply.kind." + reply.kind),
          why: reply.approval_reasons.map((r) => t("approval." + r)).join(", ") });
      }
    }
    return null;
  }

  function historyItem(entry, { notes }) {
    const item = document.createElement("li");
    const who = entry.actor.kind === "staff" ? staffName(entry.actor.id, entry.actor.display_name) :
      t("actor." + entry.actor.kind);
    const lines = [when(entry.at) + " — " + who + " — " + t("action." + entry.action)];
    for (const change of entry.changes) {
      if (change.field !== "status") continue;
      lines.push((change.before ? t("state." + change.before) + " → " : "") + t("state." + change.after));
    }
    if (entry.public_message && !notes) lines.push("“" + entry.public_message.text + "”");
    if (entry.internal_note && notes) lines.push(systemNote(entry) ?? entry.internal_note.text);
    item.textContent = lines.join("\n");
    item.style.whiteSpace = "pre-wrap";
    return item;
  }

  function renderReplies() {
    const mayApprove = me.roles.some((r) => APPROVERS.includes(r));
    $("card-replies").replaceChildren(...card.replies.map((reply) => {
      const item = document.createElement("li");
      const head = document.createElement("strong");
      head.textContent = t("c.reply." + reply.kind) + " — " + t("reply." + reply.status);
      const text = document.createElement("p");
      text.textContent = reply.text;
      item.append(head, text);
      if (reply.status === "awaiting_approval" && mayApprove) item.append(decisionForm(reply));
      return item;
    }));
    if (!card.replies.length) $("card-replies").replaceChildren(Object.assign(
      document.createElement("li"), { textContent: t("c.no_replies") }));
  }

  function decisionForm(reply) {
    const form = document.createElement("form");
    form.id = "decide-" + reply.id;
    form.noValidate = true;
    const label = document.createElement("label");
    label.htmlFor = form.id + "-reason";
    label.textContent = t("c.decide.reason");
    const reason = document.createElement("input");
    reason.id = form.id + "-reason";
    reason.setAttribute("aria-describedby", form.id + "-reason-error");
    const error = document.createElement("p");
    error.className = "error";
    error.id = form.id + "-reason-error";
    const approve = Object.assign(document.createElement("button"), { type: "button", textContent: t("c.decide.approve") });
    const reject = Object.assign(document.createElement("button"), { type: "button", className: "secondary", textContent: t("c.decide.reject") });
    const decide = async (verb) => {
      try {
        card = await post("/staff/cards/" + encodeURIComponent(card.number) + "/replies/" +
          reply.id + "/" + verb, { reason: reason.value || null, version: card.version });
        renderCard(true);
        say(t("c.decide.done_" + verb));
      } catch (failure) { showError(form.id, failure); }
    };
    approve.addEventListener("click", () => decide("approve"));
    reject.addEventListener("click", () => decide("reject"));
    const row = Object.assign(document.createElement("div"), { className: "row" });
    row.append(approve, reject);
    form.append(label, reason, error, row);
    return form;
  }

  async function fillExecutors() {
    try {
      const workload = await call("/staff/workload?" + new URLSearchParams({ department: card.department }));
      const chosen = card.executor_id;
      const before = Object.keys(staffNames).length;
      for (const s of workload.staff) staffNames[s.staff_id] = s.name;
      if (Object.keys(staffNames).length !== before) renderCard(true);
      $("assign-executor_id").replaceChildren(...workload.staff.map((s) => option(s.staff_id,
        s.name + " — " + t("c.open_cards").replace("{n}", s.open))));
      if (chosen) $("assign-executor_id").value = chosen;
    } catch (error) {
      // Someone who may not see the department's workload may still read the card.
      $("assign-executor_id").replaceChildren();
    }
  }

  function transitionField() {
    const next = card?.next_statuses.find((n) => n.to === $("transition-to").value);
    const field = next?.requires;
    $("transition-text-box").hidden = !field;
    $("transition-text-label").textContent = field ? t("c.field." + field) : "";
    $("transition-hint").textContent = field ? t("c.move.needs") + " " + t("c.field." + field) : "";
    // A question to the requester carries a reply-by date: the topic's, or the one given here.
    $("transition-reply_by-box").hidden = !WAITS.includes($("transition-to").value);
  }

  function replyKind() {
    $("reply-next").hidden = $("reply-kind").value !== "answer";
  }

  function replyBody() {
    const kind = $("reply-kind").value;
    const due = $("reply-next_step_due").value;
    return {
      kind, text: $("reply-text").value, legal: $("reply-legal").checked, version: card.version,
      next_step: kind === "answer" ? $("reply-next_step").value || null : null,
      next_step_due: kind === "answer" && due ? new Date(due).toISOString() : null,
    };
  }

  async function act(form, path, body, done) {
    clearErrors(form);
    const button = $(form).querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      card = await post("/staff/cards/" + encodeURIComponent(card.number) + path, body);
      renderCard(false);
      say(t(done));
      fillExecutors();
      return true;
    } catch (error) { showError(form, error); return false; }
    finally { if (button) button.disabled = false; }
  }

  // ---- the card's place: a small map (the portal's basemap) and the open requests around it

  let placeMap = null;
  let placeLayer = null;
  let placeShown = null;
  async function renderPlace() {
    const where = card.location;
    const pinned = where && where.latitude != null && where.longitude != null && window.L;
    $("card-place").hidden = !pinned;
    if (!pinned) return;
    const key = card.number + "@" + where.latitude + "," + where.longitude + "/" + i18n.lang;
    if (placeShown === key) return;
    placeShown = key;
    if (!placeMap) {
      placeMap = L.map("card-map", { keyboard: true });
      window.civicdeskBasemap(placeMap);
    }
    placeMap.setView([where.latitude, where.longitude], 16);
    if (placeLayer) placeLayer.remove();
    placeLayer = L.layerGroup().addTo(placeMap);
    L.circleMarker([where.latitude, where.longitude], { radius: 11, weight: 4, color: "#a4001d" })
      .bindTooltip(card.number).addTo(placeLayer);
    try {
      const query = new URLSearchParams({ latitude: where.latitude, longitude: where.longitude,
        radius: "300", locale: i18n.lang });
      const around = (await call("/places/nearby?" + query)).requests.filter((r) => r.number !== card.number);
      $("card-nearby").replaceChildren(...around.map((r) => {
        L.circleMarker([r.latitude, r.longitude], { radius: 7, weight: 2 })
          .bindTooltip(r.number + " — " + r.topic).addTo(placeLayer);
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = "#/card/" + encodeURIComponent(r.number);
        link.textContent = r.number;
        item.append(link, " — " + r.topic + " · " + t("state." + r.status) + " · "
          + t("c.nearby.metres", { n: r.distance_metres }));
        return item;
      }));
      if (!around.length) $("card-nearby").replaceChildren(Object.assign(document.createElement("li"), { textContent: t("c.nearby.none") }));
    } catch (error) { $("card-nearby").replaceChildren(); }
    setTimeout(() => placeMap.invalidateSize(), 0); // drawn while its section was hidden
  }

  // ---- a staff member's file onto the card (a photo is made smaller in the browser first)

  async function attach(event) {
    event.preventDefault();
    clearErrors("attach");
    const file = $("attach-file").files[0];
    if (!file) {
      $("attach-file-error").textContent = i18n.problem("file", "required");
      $("attach-file").setAttribute("aria-invalid", "true");
      $("attach-file").focus();
      return;
    }
    const button = $("attach").querySelector("button[type=submit]");
    button.disabled = true;
    say(t("c.attach.sending"));
    try {
      const path = "/staff/cards/" + encodeURIComponent(card.number) + "/attachments";
      card = await window.civicdeskPhotos.uploadAs(path, { Authorization: sessionStorage.getItem(TOKEN) }, file);
      $("attach-file").value = "";
      renderCard(true);
      say(t("c.attach.done"));
    } catch (error) {
      const answer = error.answer?.error;
      const field = answer?.fields?.[0];
      $("attach-file-error").textContent = field ? i18n.problem(field.field, field.code)
        : i18n.refusal(error.answer, error.status);
      $("attach-file").setAttribute("aria-invalid", "true");
      say("");
    } finally { button.disabled = false; }
  }

  // ---- corrections of what intake recorded, and the routing they may call for

  const PRIORITIES = ["low", "normal", "high", "urgent"];

  // The form shows the card as recorded; redrawn in a new language, it keeps what was typed.
  function fillCorrection(keep) {
    const typed = keep && $("correct-category").options.length
      ? ["correct-category", "correct-priority", "correct-location", "correct-full_name"].map((id) => $(id).value)
      : null;
    $("correct-category").replaceChildren(...tree.map((top) => {
      const group = document.createElement("optgroup");
      group.label = named(top.name);
      group.append(...top.children.map((leaf) => option(leaf.code, named(leaf.name))));
      return group;
    }));
    $("correct-category").value = card.category;
    $("correct-priority").replaceChildren(...PRIORITIES.map((p) => option(p, t("priority." + p))));
    $("correct-priority").value = card.priority;
    $("correct-location").value = card.location?.address || "";
    $("correct-full_name").value = card.personal_data_hidden ? "" : card.requester.full_name;
    $("correct-full_name").disabled = card.personal_data_hidden;
    if (typed) {
      ["correct-category", "correct-priority", "correct-location", "correct-full_name"]
        .forEach((id, i) => { $(id).value = typed[i]; });
    }
  }

  async function correct(event) {
    event.preventDefault();
    const body = { version: card.version };
    const why = $("correct-reason").value.trim();
    if (why) body.reason = why; // left out when empty: the API says it is required
    const category = $("correct-category").value;
    const address = $("correct-location").value.trim();
    const name = $("correct-full_name").value.trim();
    if (category && category !== card.category) body.category = category;
    if ($("correct-priority").value !== card.priority) body.priority = $("correct-priority").value;
    if (address && address !== (card.location?.address || "")) body.location = { address };
    if (!card.personal_data_hidden && name && name !== card.requester.full_name) body.full_name = name;
    const moved = Boolean(body.category || body.location);
    $("correct-offer").hidden = true;
    if (!(await act("correct", "/corrections", body, "c.correct.done"))) return;
    $("correct-reason").value = "";
    if (!moved) return;
    // A new topic or place may belong elsewhere: offer where the rules send it now.
    try {
      const offer = await call("/staff/cards/" + encodeURIComponent(card.number) + "/routing");
      if (offer.department === card.department && offer.executor_id === card.executor_id) return;
      correctOffer = offer;
      $("correct-offer-text").textContent = t("c.correct.offer", { where: routingSentence({ reason: offer.reason, why: offer.why }) });
      $("correct-offer").hidden = false;
    } catch (error) { showProblem(error); }
  }
  let correctOffer = null;

  async function routeAsOffered() {
    if (!correctOffer) return;
    await act("correct", "/assign", { executor_id: correctOffer.executor_id, department: correctOffer.department,
      reason: t("c.correct.rerouted"), version: card.version }, "c.assign.done");
    $("correct-offer").hidden = true;
    correctOffer = null;
  }

  // ---- search

  let searchCursor = null;
  const chosenFacets = {};

  function searchQuery(more) {
    const query = new URLSearchParams({ q: $("search-q").value.trim(), size: "20" });
    const put = (name, value) => { if (value) query.set(name, value); };
    put("status", $("search-status").value);
    put("from", $("search-from").value);
    put("to", $("search-to").value);
    if ($("search-overdue").checked) query.set("overdue", "true");
    for (const [facet, value] of Object.entries(chosenFacets)) {
      if (facet !== "status" || !query.has("status")) put(facet, value);
    }
    if (more && searchCursor) query.set("cursor", searchCursor);
    return query;
  }

  async function runSearch(more) {
    clearErrors("search-form");
    say(t("c.loading"));
    try {
      const found = await call("/staff/search?" + searchQuery(more));
      searchCursor = found.cursor;
      const items = found.hits.map(hitItem);
      if (more) $("search-hits").append(...items); else $("search-hits").replaceChildren(...items);
      $("search-more").hidden = !found.cursor;
      $("search-total").textContent = t("c.search.found").replace("{n}", found.total);
      if (!more) renderFacets(found.facets);
      say("");
    } catch (error) { showError("search-form", error); }
  }

  function facetLabel(facet, value) {
    if (facet === "status") return t("state." + value);
    if (facet === "overdue") return t(value === "true" ? "c.due.overdue" : "c.due.ok");
    if (facet === "department") return departmentName(value);
    if (facet === "category") {
      const topic = tree.find((c) => c.code === value);
      return topic ? named(topic.name) : value;
    }
    return value;
  }

  function renderFacets(facets) {
    $("search-facets").replaceChildren(...FACETS.filter((f) => Object.keys(facets[f] || {}).length)
      .map((facet) => {
        const box = document.createElement("section");
        box.append(Object.assign(document.createElement("h3"), { textContent: t("c.facet." + facet) }));
        for (const [value, count] of Object.entries(facets[facet])) {
          const pressed = chosenFacets[facet] === value;
          const button = Object.assign(document.createElement("button"), {
            type: "button", className: "secondary",
            textContent: facetLabel(facet, value) + " (" + count + ")" });
          button.setAttribute("aria-pressed", String(pressed));
          button.addEventListener("click", () => {
            if (pressed) delete chosenFacets[facet]; else chosenFacets[facet] = value;
            runSearch(false);
          });
          box.append(button);
        }
        return box;
      }));
  }

  // Matched words come between « and »: shown as <mark>, built as text nodes (never HTML).
  function fragment(text) {
    const line = Object.assign(document.createElement("span"), { className: "fragment" });
    text.split(/(«[^»]*»)/).forEach((part) => {
      if (part.startsWith("«") && part.endsWith("»")) {
        line.append(Object.assign(document.createElement("mark"), { textContent: part.slice(1, -1) }));
      } else if (part) line.append(part);
    });
    return line;
  }

  function hitItem(hit) {
    const item = document.createElement("li");
    if (hit.overdue) {
      item.className = "due-overdue";
      item.append(Object.assign(document.createElement("span"),
        { className: "due due-overdue", textContent: t("c.due.overdue") }));
    }
    item.append(Object.assign(document.createElement("a"), {
      href: "#/card/" + encodeURIComponent(hit.number),
      textContent: hit.number + " — " + (hit.subject === "hidden" ? t("c.hidden") : hit.subject) }));
    item.append(Object.assign(document.createElement("span"), { className: "meta",
      textContent: [hit.category_label, t("state." + hit.status), departmentName(hit.department),
        t("c.received") + " " + when(hit.created_at), hit.district].filter(Boolean).join(" · ") }));
    for (const [field, fragments] of Object.entries(hit.highlights)) {
      for (const text of fragments) {
        const line = fragment(text);
        line.prepend(t("c.field_name." + field) + ": ");
        item.append(line);
      }
    }
    return item;
  }

  // ---- reports and exports

  function reportQuery() {
    const query = new URLSearchParams({ from: $("reports-from").value, to: $("reports-to").value });
    if ($("reports-department").value) query.set("department", $("reports-department").value);
    return query;
  }

  function rows(body, pairs) {
    $(body).replaceChildren(...pairs.map((cells) => {
      const row = document.createElement("tr");
      cells.forEach((cell, i) => {
        const el = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) el.scope = "row";
        if (cell instanceof Node) el.append(cell); else el.textContent = String(cell ?? "—");
        row.append(el);
      });
      return row;
    }));
  }

  function bar(value, most, kind) {
    const box = document.createElement("span");
    const line = Object.assign(document.createElement("span"), { className: "bar " + kind });
    line.style.width = (most ? Math.round((value / most) * 160) : 0) + "px";
    line.setAttribute("aria-hidden", "true");
    box.append(line, String(value));
    return box;
  }

  const hours = (h) => h == null ? "—" : t("c.reports.hours").replace("{n}", h);
  const timing = (x) => x.count ? hours(x.average_hours) + " / " + hours(x.p90_hours) : "—";
  const percent = (s) => s == null ? "—" : Math.round(s * 1000) / 10 + " %";

  async function loadReports() {
    clearErrors("reports-form");
    say(t("c.loading"));
    try {
      const r = await call("/staff/reports?" + reportQuery());
      $("reports-as-of").textContent = r.figures_as_of
        ? t("c.reports.as_of") + " " + when(r.figures_as_of) : t("c.reports.not_yet");
      rows("reports-totals", [
        [t("c.reports.received"), r.received], [t("c.reports.closed"), r.closed],
        [t("c.reports.first_reply"), timing(r.first_reply)],
        [t("c.reports.resolution"), timing(r.resolution)],
        [t("c.reports.overdue_share"), percent(r.overdue.share)],
        [t("c.reports.repeat"), r.repeat_requests],
        [t("c.reports.merged"), r.duplicates.merged], [t("c.reports.followers"), r.duplicates.followers],
        [t("c.reports.satisfaction"), r.satisfaction.average == null ? "—" :
          r.satisfaction.average + " (" + r.satisfaction.count + ")"],
      ]);
      const most = Math.max(1, ...r.per_day.map((d) => Math.max(d.received, d.closed)));
      rows("reports-days", r.per_day.filter((d) => d.received || d.closed)
        .map((d) => [d.day, bar(d.received, most, "received"), bar(d.closed, most, "closed")]));
      rows("reports-categories", r.overdue.by_category.map((c) => [
        facetLabel("category", c.category), c.received, c.overdue, percent(c.share)]));
      rows("reports-districts", Object.entries(r.per_district).map(([id, n]) => [districtName(id), n]));
      // One line a person, with their departments: open cards are counted once.
      rows("reports-workload", r.people.map((p) => [p.name + " (" + p.departments.map(departmentName).join(", ") + ")",
        t("c.open_cards", { n: p.open })]));
      reportsAsOf = r.figures_as_of;
      $("reports-body").hidden = false;
      say("");
    } catch (error) { showError("reports-form", error); }
  }

  // A manager recomputes the figures now; the page follows until the new ones are in.
  let reportsAsOf = null;
  async function refreshReports() {
    const before = reportsAsOf;
    $("reports-refresh").disabled = true;
    try {
      await post("/staff/reports/refresh", {});
      $("reports-refresh-status").textContent = t("c.reports.refreshing");
      for (let tries = 0; tries < 60 && reportsAsOf === before; tries++) {
        await new Promise((done) => setTimeout(done, 2000));
        await loadReports();
      }
      $("reports-refresh-status").textContent = reportsAsOf === before
        ? t("c.reports.refresh_slow") : t("c.reports.refreshed");
    } catch (error) {
      $("reports-refresh-status").textContent = error.message;
    } finally { $("reports-refresh").disabled = false; }
  }

  async function startExport() {
    $("reports-export-links").replaceChildren();
    try {
      const job = await post("/staff/exports", { from: $("reports-from").value, to: $("reports-to").value });
      $("reports-export-status").textContent = t("c.reports.export_queued");
      for (let tries = 0; tries < 150; tries += 1) {
        await new Promise((done) => setTimeout(done, 2000));
        const state = await call("/staff/exports/" + job.export_id);
        if (state.status === "done") {
          $("reports-export-status").textContent = t("c.reports.export_done").replace("{n}", state.rows);
          $("reports-export-links").replaceChildren(...Object.entries(state.links).map(([fmt, url]) => {
            const item = document.createElement("li");
            item.append(Object.assign(document.createElement("a"), { href: url, textContent: t("c.reports.download") + " " + fmt.toUpperCase() }));
            return item;
          }));
          return;
        }
        if (state.status === "failed") {
          $("reports-export-status").textContent = t("c.reports.export_failed");
          return;
        }
      }
      $("reports-export-status").textContent = t("c.reports.export_slow");
    } catch (error) { showError("reports-form", error); }
  }

  // ---- phone call

  function fillTopics() {
    const chosen = $("call-topic").value;
    $("call-topic").replaceChildren(option("", t("topic.choose")),
      ...tree.map((c) => option(c.code, named(c.name))));
    $("call-topic").value = chosen;
    fillSubtopics();
  }

  function fillSubtopics() {
    const topic = tree.find((c) => c.code === $("call-topic").value);
    const chosen = $("call-category").value;
    $("call-category").replaceChildren(option("", t("subtopic.choose")),
      ...(topic ? topic.children.map((s) => option(s.code, named(s.name))) : []));
    if (topic?.children.some((s) => s.code === chosen)) $("call-category").value = chosen;
  }

  async function loadScript() {
    const category = $("call-category").value;
    $("call-script").hidden = !category;
    if (!category) return;
    try {
      const script = await call("/staff/calls/script?" + new URLSearchParams({ category, locale: i18n.lang }));
      $("call-questions").replaceChildren(...script.questions.map((q) =>
        Object.assign(document.createElement("li"), { textContent: q })));
      $("call-script").hidden = !script.questions.length;
    } catch (error) { $("call-script").hidden = true; }
  }

  async function saveCall(event) {
    event.preventDefault();
    clearErrors("call-form");
    const value = (id) => $(id).value.trim() || null;
    const outcome = $("call-outcome").value;
    const body = {
      caller: { full_name: value("call-caller.full_name") || "", phone: value("call-caller.phone"),
        email: value("call-caller.email"), preferred_channel: $("call-caller.preferred_channel").value,
        locale: i18n.lang },
      essence: $("call-essence").value, category: $("call-category").value, outcome,
      answer: outcome === "consultation" ? value("call-answer") : null,
      location: value("call-address") ? { address: value("call-address") } : null,
    };
    try {
      const made = await post("/staff/calls", body);
      $("call-form").reset();
      fillSubtopics();
      $("call-script").hidden = true;
      const done = $("call-done");
      done.replaceChildren(t("c.call.done") + " ", Object.assign(document.createElement("a"),
        { href: "#/card/" + encodeURIComponent(made.number), textContent: made.number }));
      done.hidden = false;
      say("");
    } catch (error) { showError("call-form", error); }
  }

  // ---- manager

  async function loadManager() {
    const department = $("manager-department").value;
    if (!department) { say(t("c.no_queues"), true); return; }
    const query = new URLSearchParams({ department });
    say(t("c.loading"));
    try {
      const [workload, overdue, approvals] = await Promise.all([
        call("/staff/workload?" + query),
        call("/staff/overdue?" + query),
        call("/staff/approvals?" + query),
      ]);
      $("workload-rows").replaceChildren(...workload.staff.map((s) => {
        const row = document.createElement("tr");
        staffNames[s.staff_id] = s.name;
        for (const value of [s.name, s.open, s.overdue]) {
          row.append(Object.assign(document.createElement("td"), { textContent: String(value) }));
        }
        return row;
      }));
      overdueNumbers = new Set(overdue.cards.map((c) => c.number));
      $("overdue-list").replaceChildren(...(overdue.cards.length ? overdue.cards.map(cardItem) :
        [Object.assign(document.createElement("li"), { textContent: t("c.manager.none_overdue") })]));
      $("approvals-list").replaceChildren(...(approvals.cards.length ? approvals.cards.map(cardItem) :
        [Object.assign(document.createElement("li"), { textContent: t("c.manager.none_waiting") })]));
      say("");
    } catch (error) { say(error.message, true); }
  }

  // ---- the queue table (console-queue.js) and the keys of the day's work

  const queue = window.civicdeskQueue({
    $, t, call, post, say, option, named, when, showProblem, problemText,
    me: () => me, tree: () => tree, districts: () => districts, lang: () => i18n.lang,
  });

  const clients = window.civicdeskClients({ $, t, call, post, say, showError, clearErrors, when });
  const privacy = window.civicdeskPrivacy({ $, t, post, say, showError, clearErrors });
  const secondFactor = window.civicdeskSecondFactor({ $, t, say,
    config: () => config,
    accessToken: () => sessionStorage.getItem(ACCESS),
    signedIn: () => me,
    // Fresh tokens after the set-up (a network hiccup leaves the current ones, still valid).
    renewTokens: () => takeTokens({ grant_type: "refresh_token",
      refresh_token: sessionStorage.getItem(REFRESH) || "" }).catch(() => false),
    afterSetUp: () => signIn(() => {}),
    goOn: route,
  });

  const duplicates = window.civicdeskDuplicates({
    $, t, call, post, say, showError, clearErrors, me: () => me,
    show: (shown) => { card = shown; renderCard(false); fillExecutors(); },
  });

  // The cards of the queue last shown, for "next card" from a card.
  function stepCard(step) {
    const numbers = queue.numbers();
    const at = numbers.indexOf(card?.number);
    const next = numbers[at + step];
    if (at >= 0 && next) location.hash = "#/card/" + encodeURIComponent(next);
    else say(t(step > 0 ? "c.keys.last" : "c.keys.first"));
  }

  function onKey(event) {
    if (event.target.closest?.("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    if ($("keys").open) return;
    let done = false;
    if (event.key === "?") { $("keys").showModal(); done = true; }
    else if (view === "queue") done = queue.onKey(event);
    else if (view === "card") {
      const focus = (id) => { $(id).scrollIntoView({ block: "center" }); $(id).focus(); return true; };
      if (event.key === "j") { stepCard(1); done = true; }
      else if (event.key === "k") { stepCard(-1); done = true; }
      else if (event.key === "a" && !$("assign").hidden) done = focus("assign-executor_id");
      else if (event.key === "c") done = focus("comment-text");
      else if (event.key === "u") { location.hash = queueHash; done = true; }
    }
    if (done) event.preventDefault();
  }
  // Back to the queue as it was left: its filters, order and page.
  let queueHash = "#/queue";
  window.addEventListener("hashchange", () => { if (location.hash.startsWith("#/queue")) queueHash = location.hash; });

  // ---- wiring

  $("lang").addEventListener("click", () => i18n.toggle());
  document.addEventListener("civicdesk:lang", () => {
    if (me) { fillDepartments(); renderWho(); }
    fillTopics();
    if (card && view === "card") renderCard(true);
    if (view === "manager") loadManager();
    if (view === "queue") route(); // names come from the server in the reader's language
  });
  document.addEventListener("keydown", onKey);
  $("keys-close").addEventListener("click", () => $("keys").close());
  $("sign-out").addEventListener("click", signOut);
  $("dev-signin").addEventListener("submit", devSignIn);
  $("sso-go").addEventListener("click", startSso);
  window.addEventListener("hashchange", route);
  $("search-form").addEventListener("submit", (e) => { e.preventDefault(); runSearch(false); });
  $("search-more").addEventListener("click", () => runSearch(true));
  $("reports-form").addEventListener("submit", (e) => { e.preventDefault(); loadReports(); });
  $("reports-export").addEventListener("click", startExport);
  $("manager-filter").addEventListener("submit", (e) => { e.preventDefault(); loadManager(); });
  $("transition-to").addEventListener("change", transitionField);
  $("reply-kind").addEventListener("change", replyKind);
  $("call-topic").addEventListener("change", () => { fillSubtopics(); loadScript(); });
  $("call-category").addEventListener("change", loadScript);
  $("call-outcome").addEventListener("change", () => {
    $("call-answer-box").hidden = $("call-outcome").value !== "consultation";
  });
  $("call-form").addEventListener("submit", saveCall);

  $("assign").addEventListener("submit", (e) => {
    e.preventDefault();
    act("assign", "/assign", { executor_id: $("assign-executor_id").value || null,
      reason: $("assign-reason").value.trim() || null, version: card.version }, "c.assign.done");
  });
  $("transition").addEventListener("submit", (e) => {
    e.preventDefault();
    const to = $("transition-to").value;
    const field = card.next_statuses.find((n) => n.to === to)?.requires;
    const body = { to, version: card.version };
    if (field) body[field] = $("transition-text").value;
    const replyBy = $("transition-reply_by").value;
    // The end of the working day chosen, in the console's time zone.
    if (WAITS.includes(to) && replyBy) body.reply_by = new Date(replyBy + "T18:00").toISOString();
    act("transition", "/transition", body, "c.move.done");
  });
  $("correct").addEventListener("submit", correct);
  $("photo-public").addEventListener("submit", photoPublic);
  $("attach").addEventListener("submit", attach);
  $("correct-route").addEventListener("click", routeAsOffered);
  $("reports-refresh").addEventListener("click", refreshReports);
  $("comment").addEventListener("submit", (e) => {
    e.preventDefault();
    act("comment", "/comments", { text: $("comment-text").value, public: $("comment-public").checked,
      version: card.version }, "c.comment.done");
  });
  $("reply").addEventListener("submit", (e) => {
    e.preventDefault();
    act("reply", "/replies", replyBody(), "c.reply.done");
  });
  $("reply-preview").addEventListener("click", async () => {
    clearErrors("reply");
    try {
      const shown = await post("/staff/cards/" + encodeURIComponent(card.number) + "/replies/preview", replyBody());
      $("preview-subject").textContent = shown.subject;
      $("preview-text").textContent = shown.text;
      const reasons = shown.approval_reasons.map((r) => t("approval." + r));
      $("preview-approval").hidden = !reasons.length;
      $("preview-approval").textContent = reasons.length ? t("c.reply.waits") + " " + reasons.join(", ") : "";
      $("preview").hidden = false;
      say(t("c.reply.previewed"));
    } catch (error) { showError("reply", error); }
  });

  fetch("/places/map").then((r) => r.json()).then((geodata) => {
    districts = Object.fromEntries(geodata.features.filter((f) => f.properties.kind === "district")
      .map((f) => [f.properties.id, f.properties.name]));
    if (card && view === "card") renderCard(true);
    if (view === "queue") queue.refill();
  }).catch(() => {});
  fetch("/categories").then((r) => r.json()).then((answer) => {
    tree = answer.categories;
    fillTopics();
    if (view === "queue") queue.refill();
  })
    .catch(() => say(t("error.generic"), true));
  document.addEventListener("DOMContentLoaded", () => i18n.ready.then(signIn));
})();
