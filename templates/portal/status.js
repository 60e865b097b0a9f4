// The requester's status page: opened by the private link, a signed link from a message, or
// the number and a one-time code; answers questions, downloads the town's files, says a
// resolution did not solve it (which reopens the request), rates.
(() => {
  const api = document.querySelector('meta[name="civicdesk-api"]')?.content || "";
  const i18n = window.civicdeskI18n;
  const t = (key) => i18n.t(key);
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  let number = params.get("n");
  let token = new URLSearchParams(location.hash.slice(1)).get("t");
  let shown = null;
  const when = (iso) => i18n.when(iso);
  const state = (status) => t("state." + status);

  function say(text, isError) {
    $("message").textContent = text;
    $("message").className = isError ? "error" : "";
  }

  function render(view) {
    shown = view;
    title();
    $("subject").textContent = view.subject;
    $("category").textContent = view.category;
    $("status").textContent = state(view.status);
    $("since").textContent = "(" + t("status.since") + " " + when(view.status_since) + ")";
    $("due").textContent = t("status.due") + " " + when(view.first_response_due);
    $("next").hidden = !view.next_step;
    $("next").textContent = view.next_step ? t("status.next") + view.next_step +
      (view.next_step_due ? t("status.by") + " " + when(view.next_step_due) : "") : "";
    $("question").hidden = !view.open_question;
    $("question").textContent = view.open_question ? t("status.question") + view.open_question : "";
    $("reply-by").hidden = !view.reply_by;
    $("reply-by").textContent = view.reply_by ?
      t("status.reply_by") + when(view.reply_by) + t("status.reply_by_after") : "";
    $("objection").hidden = !view.objection_until;
    $("objection-intro").textContent = view.objection_until ?
      t("objection.intro") + when(view.objection_until) + t("objection.intro_after") : "";
    $("resolution").hidden = !view.resolution;
    $("resolution").textContent = view.resolution ? t("status.resolution") + view.resolution : "";
    $("files").hidden = !view.town_files.length;
    $("file-list").replaceChildren(...view.town_files.map(fileItem));
    $("steps").replaceChildren(...view.steps.map((step) => {
      const item = document.createElement("li");
      const parts = [when(step.at)];
      if (step.status) parts.push(state(step.status));
      if (step.message) parts.push((step.from === "requester" ? t("status.you") : "") + step.message);
      item.textContent = parts.join(" — ");
      if (step.from === "requester") item.className = "from-requester";
      return item;
    }));
    $("reply").hidden = view.status === "closed";
    $("survey").hidden = !["resolved", "closed"].includes(view.status);
    $("card").hidden = false;
    $("lookup").hidden = true;
  }

  function fileItem(file) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = t("status.download") + file.filename;
    button.addEventListener("click", async () => {
      try {
        const link = await call("/requests/" + encodeURIComponent(number) + "/files/" +
          encodeURIComponent(file.id));
        location.href = link.url;
      } catch (error) { say(error.message, true); }
    });
    item.append(button);
    return item;
  }

  // A refusal is said in the reader's words, by its code (never the server's English).
  async function call(path, options) {
    let response;
    try {
      response = await fetch(api + path, { ...options,
        headers: { "Content-Type": "application/json", "X-Access-Token": token,
                   "Accept-Language": i18n.lang } });
    } catch (error) { throw new Error(i18n.refusal({}, 0)); }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const field = body.error?.fields?.[0];
      throw new Error(field ? i18n.problem(field.field, field.code) :
        i18n.refusal(body, response.status, response.headers.get("Retry-After")));
    }
    return body;
  }

  async function load() {
    say(t("status.loading"));
    try { render(await call("/requests/" + encodeURIComponent(number))); say(""); }
    catch (error) { say(error.message, true); $("lookup").hidden = false; return; }
    // The final reply's "not solved?" link opens the page at the objection form.
    if (params.get("objection") === "1" && !$("objection").hidden) {
      $("objection").scrollIntoView();
      $("objection-text").focus();
    }
  }

  function title() {
    // The heading names the request once its number is known (it is not a data-i18n text);
    // the number never breaks in two.
    const shownNumber = shown ? shown.number : number;
    if (!shownNumber) { $("title").textContent = t("status.title"); return; }
    const part = document.createElement("span");
    part.className = "nowrap";
    part.textContent = shownNumber;
    $("title").replaceChildren(t("status.title_number"), part);
  }
  $("lang").addEventListener("click", () => i18n.toggle());
  // The topic's name comes from the server in the reader's language: ask again on a switch.
  document.addEventListener("civicdesk:lang", () => {
    if (shown) { render(shown); call("/requests/" + encodeURIComponent(number)).then(render, () => {}); }
    else title();
  });
  $("send-code").addEventListener("click", async () => {
    number = $("number").value.trim();
    if (!number) { say(t("lookup.number_first"), true); $("number").focus(); return; }
    try {
      const sent = await call("/requests/" + encodeURIComponent(number) + "/access-code",
        { method: "POST", body: "{}" });
      say(t("lookup.code_sent"));
      $("token").focus();
    } catch (error) { say(error.message, true); }
  });
  $("lookup").addEventListener("submit", async (event) => {
    event.preventDefault();
    number = $("number").value.trim();
    token = $("token").value.trim();
    if (/^\d{6}$/.test(token)) {  // a one-time code: exchange it for a day's key
      try {
        const granted = await call("/requests/" + encodeURIComponent(number) +
          "/access-code/check", { method: "POST", body: JSON.stringify({ code: token }) });
        token = granted.access_token;
      } catch (error) { say(error.message, true); return; }
    }
    load();
  });
  $("reply").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      render(await call("/requests/" + encodeURIComponent(number) + "/messages",
        { method: "POST", body: JSON.stringify({ text: $("text").value }) }));
      $("text").value = "";
      say(t("status.added"));
    } catch (error) { say(error.message, true); }
  });
  $("objection").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      render(await call("/requests/" + encodeURIComponent(number) + "/objection",
        { method: "POST", body: JSON.stringify({ text: $("objection-text").value }) }));
      $("objection-text").value = "";
      say(t("objection.done"));
    } catch (error) { say(error.message, true); }
  });
  $("rating").addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = document.querySelector('input[name="rating"]:checked');
    try {
      await call("/requests/" + encodeURIComponent(number) + "/survey", { method: "POST",
        body: JSON.stringify({ rating: Number(chosen.value), comment: $("comment").value }) });
      $("rating").hidden = true;
      say(t("survey.thanks"));
    } catch (error) { say(error.message, true); }
  });
  function start() {
    if (number && token && params.get("survey") === "1") {
      // The survey link rates the request; it does not open the status page.
      title();
      $("survey").hidden = false;
    } else if (number && token) load(); else $("lookup").hidden = false;
  }
  i18n.ready.then(start);
})();
