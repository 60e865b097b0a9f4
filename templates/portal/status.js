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
    $("description").textContent = view.description;
    drawPlace(view.place);
    drawYourFiles(view.your_files);
    $("add-file").hidden = ["resolved", "closed"].includes(view.status);
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
    // Joined another request about the same problem: where the work goes on.
    $("merged").hidden = !view.duplicate_of;
    if (view.duplicate_of) {
      const main = document.createElement("a");
      main.href = "/r/" + encodeURIComponent(view.duplicate_of);
      main.textContent = "№ " + view.duplicate_of;
      $("merged").replaceChildren(t("status.merged"), main, t("status.merged_after"));
    }
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
    // A merged request is rated (if at all) with the one it joined, not closed as done here.
    $("survey").hidden = !["resolved", "closed"].includes(view.status) || Boolean(view.duplicate_of);
    $("card").hidden = false;
    $("lookup").hidden = true;
  }

  let placeMap = null;
  function drawPlace(place) {
    const words = place ? [place.address, place.district].filter(Boolean).join(", ") : "";
    $("place").textContent = words;
    $("place").hidden = !words;
    const pinned = place && place.latitude !== null && place.longitude !== null && window.L;
    $("place-map").hidden = !pinned;
    if (!pinned) return;
    $("place-map").setAttribute("aria-label", t("request.map"));
    if (!placeMap) {
      placeMap = L.map("place-map", { keyboard: true }).setView([place.latitude, place.longitude], 16);
      window.civicdeskBasemap(placeMap);
      L.circleMarker([place.latitude, place.longitude], { radius: 10, weight: 3 }).addTo(placeMap);
    }
  }

  // The requester's own files: a photo shows its preview (opening the original), others a
  // download button. Preview links are short-lived: fetched each time the list is drawn.
  const previews = {};
  function drawYourFiles(files) {
    $("your-files").replaceChildren(...files.map((file) => {
      const item = document.createElement("li");
      const open = document.createElement("button");
      open.type = "button";
      open.className = "link";
      open.addEventListener("click", () => download(file));
      if (file.thumbnail) {
        const image = document.createElement("img");
        image.alt = file.filename;
        image.width = 160;
        if (previews[file.id]) image.src = previews[file.id];
        else {
          call(filePath(file) + "?variant=thumbnail").then((link) => {
            previews[file.id] = link.url;
            image.src = link.url;
          }, () => {});
        }
        open.append(image);
      } else open.textContent = t("status.download") + file.filename;
      item.append(open);
      return item;
    }));
  }
  function filePath(file) {
    return "/requests/" + encodeURIComponent(number) + "/files/" + encodeURIComponent(file.id);
  }
  async function download(file) {
    try { location.href = (await call(filePath(file))).url; } catch (error) { say(error.message, true); }
  }

  function fileItem(file) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = t("status.download") + file.filename;
    button.addEventListener("click", () => download(file));
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
  // The topic's and district's names come from the server in the reader's language (a
  // change answers in the town's): ask again after a change and on a switch.
  function refresh() { call("/requests/" + encodeURIComponent(number)).then(render, () => {}); }
  document.addEventListener("civicdesk:lang", () => {
    if (shown) { render(shown); refresh(); } else title();
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
  $("add-file").addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = $("file").files[0];
    $("file-error").textContent = "";
    $("file").removeAttribute("aria-invalid");
    if (!chosen) {
      $("file-error").textContent = t("problem.file.required");
      $("file").setAttribute("aria-invalid", "true");
      $("file").focus();
      return;
    }
    $("upload").disabled = true;
    try {
      render(await window.civicdeskPhotos.upload(api, number, token, chosen));
      refresh();
      $("file").value = "";
      say(t("status.file_added"));
    } catch (error) {
      const field = error.answer?.error?.fields?.[0];
      $("file-error").textContent = field ? i18n.problem("file." + field.field, field.code)
        : i18n.refusal(error.answer, error.status);
      $("file").setAttribute("aria-invalid", "true");
    } finally { $("upload").disabled = false; }
  });
  $("reply").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      render(await call("/requests/" + encodeURIComponent(number) + "/messages",
        { method: "POST", body: JSON.stringify({ text: $("text").value }) }));
      refresh();
      $("text").value = "";
      say(t("status.added"));
    } catch (error) { say(error.message, true); }
  });
  $("objection").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      render(await call("/requests/" + encodeURIComponent(number) + "/objection",
        { method: "POST", body: JSON.stringify({ text: $("objection-text").value }) }));
      refresh();
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
