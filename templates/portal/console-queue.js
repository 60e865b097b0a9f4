// The console's queue: a department's open cards as a table (GET /staff/desk). Everything the
// view shows — department, filters, sort, page — lives in the URL (#/queue?department=roads&…),
// so a view can be bookmarked, shared and restored with Back. Managers choose cards and change
// them at once (POST /staff/bulk); each card answers for itself. Keys: j/k, Enter, x, ?.
window.civicdeskQueue = (ctx) => {
  const { $, t, call, post, say, option, named, when } = ctx;
  const STATUSES = ["received", "in_progress", "needs_clarification", "awaiting_requester", "resolved"];
  const SOON_MS = 24 * 3600 * 1000;
  const PAGE = 50;
  let page = null; // the last answer
  let asked = new URLSearchParams(); // what the URL asked for
  const chosen = new Map(); // number → version, the cards chosen for a bulk change
  let shownDepartment = null;

  // ---- the URL is the view

  function hashFor(params) {
    const kept = new URLSearchParams();
    for (const [key, value] of params) if (value) kept.append(key, value);
    return "#/queue?" + kept.toString();
  }

  function go(changes, keepPage) {
    const next = new URLSearchParams(asked);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === "" || value === false) next.delete(key); else next.set(key, value);
    }
    if (!keepPage) next.delete("cursor");
    location.hash = hashFor(next);
  }

  function fromForm() {
    return {
      department: $("queue-department").value,
      topic: $("queue-topic").value,
      district: $("queue-district").value,
      owner: $("queue-owner").value,
      overdue: $("queue-overdue").checked ? "true" : null,
      approval: $("queue-approval").checked ? "true" : null,
    };
  }

  function toForm() {
    const me = ctx.me();
    if (asked.get("department")) $("queue-department").value = asked.get("department");
    else if (me.departments.length) $("queue-department").value = me.queues.find((d) => me.departments.includes(d.id))?.id || $("queue-department").value;
    fillTopics();
    fillDistricts();
    $("queue-topic").value = asked.get("topic") || "";
    $("queue-district").value = asked.get("district") || "";
    $("queue-overdue").checked = asked.get("overdue") === "true";
    $("queue-approval").checked = asked.get("approval") === "true";
  }

  function fillTopics() {
    const options = [option("", t("c.search.any"))];
    for (const top of ctx.tree()) {
      options.push(option(top.code, named(top.name)));
      for (const leaf of top.children) options.push(option(leaf.code, " — " + named(leaf.name)));
    }
    $("queue-topic").replaceChildren(...options);
  }

  function fillDistricts() {
    const known = ctx.districts();
    $("queue-district").replaceChildren(option("", t("c.search.any")),
      ...Object.keys(known).sort().map((id) => option(id, named(known[id]))));
  }

  function fillOwners() {
    const value = asked.get("owner") || "";
    const owners = page ? page.owners : [];
    $("queue-owner").replaceChildren(option("", t("c.search.any")), option("none", t("c.unassigned")),
      ...owners.map((o) => option(o.id, o.name)));
    if (value && ![...$("queue-owner").options].some((o) => o.value === value)) {
      $("queue-owner").append(option(value, value));
    }
    $("queue-owner").value = value;
  }

  // ---- loading and drawing

  async function load(search) {
    asked = new URLSearchParams(search || "");
    toForm();
    const department = $("queue-department").value;
    if (!department) { say(t("c.no_queues"), true); return; }
    if (department !== shownDepartment) { // whoever may take this department's cards
      shownDepartment = department;
      chosen.clear();
      fillBulkChoices();
    }
    const query = new URLSearchParams({ department, locale: ctx.lang(), limit: String(PAGE) });
    for (const key of ["sort", "order", "cursor"]) if (asked.get(key)) query.set(key, asked.get(key));
    if (asked.get("status")) query.set("status", asked.get("status"));
    if (asked.get("topic")) query.set("category", asked.get("topic"));
    if (asked.get("district")) query.set("district", asked.get("district"));
    if (asked.get("owner")) query.set("owner", asked.get("owner"));
    if (asked.get("overdue")) query.set("overdue", asked.get("overdue"));
    if (asked.get("approval")) query.set("approval", asked.get("approval"));
    say(t("c.loading"));
    try {
      page = await call("/staff/desk?" + query);
      // A chosen card keeps the version now on screen: what the manager sees is what a bulk
      // change will be checked against.
      for (const r of page.rows) if (chosen.has(r.number)) chosen.set(r.number, r.version);
      render();
      say("");
    } catch (error) { ctx.showProblem(error); }
  }

  function render() {
    if (!page) return;
    fillOwners();
    renderCounts();
    renderHeaders();
    $("queue-rows").replaceChildren(...page.rows.map(row));
    const first = page.rows.length ? page.offset + 1 : 0;
    $("queue-summary").textContent = page.rows.length
      ? t("c.queue.showing").replace("{from}", first).replace("{to}", page.offset + page.rows.length)
        .replace("{n}", page.total)
      : t("c.queue.empty");
    $("queue-next").hidden = !page.cursor;
    $("queue-first").hidden = !page.offset;
    $("queue-all").checked = page.rows.length > 0 && page.rows.every((r) => chosen.has(r.number));
    renderBulk();
  }

  function renderCounts() {
    const current = asked.get("status") || "";
    const all = STATUSES.reduce((sum, s) => sum + (page.counts[s] || 0), 0);
    const button = (status, label, n) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label + " (" + n + ")";
      b.setAttribute("aria-pressed", String(current === status));
      b.addEventListener("click", () => go({ status }));
      return b;
    };
    $("queue-counts").replaceChildren($("queue-counts-label"), button("", t("c.queue.all"), all),
      ...STATUSES.map((s) => button(s, t("state." + s), page.counts[s] || 0)));
  }

  function renderHeaders() {
    const sort = asked.get("sort") || "deadline";
    const order = asked.get("order") || "asc";
    $("queue-sort").value = sort;
    $("queue-order").value = order;
    for (const th of $("queue-table").querySelectorAll("th[data-sort]")) {
      const on = th.dataset.sort === sort;
      th.setAttribute("aria-sort", on ? (order === "asc" ? "ascending" : "descending") : "none");
    }
  }

  function tone(r) {
    if (r.overdue_since) return "overdue";
    if (!r.deadline) return "none";
    return new Date(r.deadline) - Date.now() < SOON_MS ? "soon" : "ok";
  }

  function cell(label, ...content) {
    const td = document.createElement("td");
    td.dataset.label = label;
    td.append(...content);
    return td;
  }

  function row(r) {
    const tr = document.createElement("tr");
    tr.dataset.number = r.number;
    const pick = document.createElement("input");
    pick.type = "checkbox";
    pick.checked = chosen.has(r.number);
    pick.setAttribute("aria-label", t("c.bulk.choose").replace("{n}", r.number));
    pick.addEventListener("change", () => {
      if (pick.checked) chosen.set(r.number, r.version); else chosen.delete(r.number);
      renderBulk();
    });
    const pickCell = document.createElement("td");
    pickCell.className = "pick";
    pickCell.append(pick);
    const link = document.createElement("a");
    link.href = "#/card/" + encodeURIComponent(r.number);
    link.className = "number";
    link.textContent = r.number;
    const due = document.createElement("span");
    const shade = tone(r);
    due.className = "due due-" + shade;
    due.textContent = shade === "none" ? "—" : t("c.due." + shade);
    const dueText = document.createElement("span");
    dueText.className = "when";
    const at = r.overdue_since || r.deadline;
    dueText.textContent = at ? " " + (r.overdue_since ? t("c.overdue_since") + " " : "") + when(at) : "";
    const place = [r.district_name, r.address].filter(Boolean).join(", ");
    tr.append(
      pickCell,
      cell(t("c.col.number"), link),
      cell(t("c.col.subject"), r.subject),
      cell(t("c.facet.category"), r.category_label),
      cell(t("c.col.place"), place || "—"),
      cell(t("c.status"), t("state." + r.status) + (r.awaiting_approval ? " · " + t("c.queue.approval_waits") : "")),
      cell(t("c.owner"), r.owner_name || t("c.unassigned")),
      cell(t("c.col.deadline"), due, dueText),
      cell(t("c.col.age"), age(r.created_at)),
    );
    return tr;
  }

  function age(iso) {
    const hours = Math.max(0, Math.floor((Date.now() - new Date(iso)) / 3600000));
    return hours < 48 ? t("c.age.hours").replace("{n}", hours)
      : t("c.age.days").replace("{n}", Math.floor(hours / 24));
  }

  // ---- bulk changes (managers)

  function renderBulk() {
    const me = ctx.me();
    const may = me && me.roles.some((r) => ["manager", "admin"].includes(r));
    for (const box of document.querySelectorAll("#queue-table .pick")) box.hidden = !may;
    $("bulk").hidden = !may || !chosen.size;
    $("bulk-chosen").textContent = t("c.bulk.chosen").replace("{n}", chosen.size);
    const action = $("bulk-action").value;
    const assign = action === "assign";
    $("bulk-executor-box").hidden = !assign;
    $("bulk-to-box").hidden = action !== "transition";
    $("bulk-into-box").hidden = action !== "merge";
    $("bulk-text-box").hidden = action === "merge";
    $("bulk-text-label").textContent = t(assign ? "c.bulk.reason" : "c.bulk.text");
  }

  async function fillBulkChoices() {
    $("bulk-to").replaceChildren(...STATUSES.concat("closed").map((s) => option(s, t("state." + s))));
    try {
      const department = $("queue-department").value;
      const workload = await call("/staff/workload?" + new URLSearchParams({ department }));
      $("bulk-executor").replaceChildren(...workload.staff.map((s) => option(s.staff_id, s.name)));
    } catch (error) { $("bulk-executor").replaceChildren(); }
  }

  // The free text goes where the chosen status needs it (the API names what is missing).
  const TEXT_FOR = { resolved: "resolution", closed: "closure_reason", needs_clarification: "question",
    awaiting_requester: "question" };

  async function applyBulk(event) {
    event.preventDefault();
    const cards = [...chosen].map(([number, version]) => ({ number, version }));
    const text = $("bulk-text").value.trim();
    const change = {};
    if ($("bulk-action").value === "assign") {
      change.assign = { executor_id: $("bulk-executor").value, reason: text || null };
    } else if ($("bulk-action").value === "merge") {
      change.merge = { into: $("bulk-into").value.trim() };
    } else {
      const to = $("bulk-to").value;
      change.transition = { to, [TEXT_FOR[to] || "note"]: text || null };
    }
    try {
      const answer = await post("/staff/bulk", { cards, ...change });
      $("bulk-results").replaceChildren(...answer.results.map((r) => {
        const li = document.createElement("li");
        li.className = r.ok ? "done" : "refused";
        li.textContent = r.number + ": " + (r.ok ? t("c.bulk.done") : t("c.bulk.refused") + " — " + ctx.problemText(r.error));
        return li;
      }));
      $("bulk-results").hidden = false;
      for (const r of answer.results) if (r.ok) chosen.delete(r.number);
      await load(asked.toString());
      $("bulk").hidden = false; // keep the answers on screen, even with nothing chosen now
      say(t("c.bulk.summary").replace("{ok}", answer.changed).replace("{no}", answer.refused));
    } catch (error) { ctx.showProblem(error); }
  }

  // ---- keys

  function rows() { return [...$("queue-rows").querySelectorAll("tr")]; }

  function focusedRow() { return document.activeElement?.closest?.("#queue-rows tr"); }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const at = all.indexOf(focusedRow());
    const next = all[Math.min(all.length - 1, Math.max(0, at < 0 ? 0 : at + step))];
    next.querySelector("a").focus();
  }

  function onKey(event) {
    if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return false;
    if (event.key === "j") { move(1); return true; }
    if (event.key === "k") { move(-1); return true; }
    if (event.key === "x") {
      const box = focusedRow()?.querySelector("input[type=checkbox]");
      if (box && !box.closest("td").hidden) { box.click(); return true; }
    }
    return false;
  }

  // The cards on screen, in order, for "next card" on a card.
  function numbers() { return page ? page.rows.map((r) => r.number) : []; }

  // ---- wiring

  $("queue-filter").addEventListener("submit", (e) => { e.preventDefault(); go(fromForm()); });
  $("queue-department").addEventListener("change", () => go(fromForm()));
  for (const id of ["queue-topic", "queue-district", "queue-owner", "queue-overdue", "queue-approval"]) {
    $(id).addEventListener("change", () => go(fromForm()));
  }
  for (const th of $("queue-table").querySelectorAll("th[data-sort]")) {
    th.querySelector("button").addEventListener("click", () => {
      const sort = asked.get("sort") || "deadline";
      const order = sort === th.dataset.sort && (asked.get("order") || "asc") === "asc" ? "desc" : "asc";
      go({ sort: th.dataset.sort, order });
    });
  }
  // On a phone the header row is hidden (each cell names itself): the order is chosen here.
  for (const id of ["queue-sort", "queue-order"]) {
    $(id).addEventListener("change", () => go({ sort: $("queue-sort").value, order: $("queue-order").value }));
  }
  $("queue-next").addEventListener("click", () => go({ cursor: page?.cursor }, true));
  $("queue-first").addEventListener("click", () => go({}));
  $("queue-all").addEventListener("change", () => {
    for (const r of page ? page.rows : []) {
      if ($("queue-all").checked) chosen.set(r.number, r.version); else chosen.delete(r.number);
    }
    render();
  });
  $("bulk-action").addEventListener("change", renderBulk);
  $("bulk").addEventListener("submit", applyBulk);

  return { load, render, onKey, numbers, refill: toForm };
};
