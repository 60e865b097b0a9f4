// The card's duplicates: what likely reports the same thing (GET /staff/cards/{n}/duplicates),
// each with its reason in the reader's words, merged with one press (the newer card joins the
// older one); a merged card says where it went and a manager splits it off again with why.
window.civicdeskDuplicates = (ctx) => {
  const { $, t, call, post, say, showError, clearErrors } = ctx;
  let shown = null; // the card the panel is drawn for

  function link(number) {
    const a = document.createElement("a");
    a.href = "#/card/" + encodeURIComponent(number);
    a.textContent = number;
    return a;
  }

  // "same topic, 40 m, 2 days older, similar words" from the look-up's parts.
  function reason(found) {
    const parts = [t("c.dup.same_topic")];
    parts.push(found.distance_metres == null ? t("c.dup.same_address")
      : t("c.nearby.metres", { n: found.distance_metres }));
    const days = found.days_older;
    parts.push(days === 0 ? t("c.dup.same_day")
      : t(days > 0 ? "c.dup.older" : "c.dup.newer", { n: Math.abs(days) }));
    if (found.similar_words >= 0.5) parts.push(t("c.dup.similar"));
    if (found.finished_at) parts.push(t("c.dup.already", { status: t("state." + found.status) }));
    return parts.join(", ");
  }

  async function render(card) {
    shown = card;
    const state = [];
    if (card.duplicate_of) state.push(t("c.dup.merged_into"), " ", link(card.duplicate_of), ". ");
    if (card.merged.length) {
      state.push(t("c.dup.merged_here"), " ");
      card.merged.forEach((n, i) => state.push(...(i ? [", "] : []), link(n)));
      state.push(". ");
    }
    if (card.followers) state.push(t("c.dup.followers", { n: card.followers }));
    $("dup-state").replaceChildren(...state);
    const me = ctx.me();
    $("split").hidden = !card.duplicate_of || !me.roles.some((r) => ["manager", "admin"].includes(r));
    $("dup-list").replaceChildren();
    if (card.duplicate_of) return;
    let found;
    try {
      found = await call("/staff/cards/" + encodeURIComponent(card.number) + "/duplicates");
    } catch (error) { return; }
    if (shown !== card) return; // another card was opened meanwhile
    if (!found.likely.length) {
      $("dup-list").replaceChildren(Object.assign(document.createElement("li"), { textContent: t("c.dup.none") }));
      return;
    }
    $("dup-list").replaceChildren(...found.likely.map((d) => {
      const item = document.createElement("li");
      const words = document.createElement("span");
      words.textContent = " — " + d.topic + (d.address ? ", " + d.address : "") + " · " +
        t("state." + d.status) + " · " + reason(d);
      const merge = document.createElement("button");
      merge.type = "button";
      merge.className = "secondary";
      // The newer report joins the older one: its deadlines stop, the older card's run on.
      const older = d.days_older > 0 || (d.days_older === 0 && d.number < card.number);
      merge.textContent = older ? t("c.dup.merge_into", { n: d.number }) : t("c.dup.merge_here", { n: d.number });
      merge.addEventListener("click", () => (older ? mergeInto(card, d.number) : mergeHere(card, d.number)));
      item.append(link(d.number), words, " ", merge);
      return item;
    }));
  }

  async function mergeInto(card, main) {
    try {
      const merged = await post("/staff/cards/" + encodeURIComponent(card.number) + "/merge",
        { into: main, version: card.version });
      ctx.show(merged);
      say(t("c.dup.merged", { n: card.number, main }));
    } catch (error) { say(error.message, true); }
  }

  async function mergeHere(card, other) {
    try {
      const theirs = await call("/staff/cards/" + encodeURIComponent(other));
      await post("/staff/cards/" + encodeURIComponent(other) + "/merge",
        { into: card.number, version: theirs.version });
      ctx.show(await call("/staff/cards/" + encodeURIComponent(card.number)));
      say(t("c.dup.merged", { n: other, main: card.number }));
    } catch (error) { say(error.message, true); }
  }

  async function split(event) {
    event.preventDefault();
    clearErrors("split");
    try {
      const back = await post("/staff/cards/" + encodeURIComponent(shown.number) + "/split",
        { reason: $("split-reason").value, version: shown.version });
      $("split").reset();
      ctx.show(back);
      say(t("c.dup.split_done"));
    } catch (error) { showError("split", error); }
  }

  $("split").addEventListener("submit", split);
  return { render };
};
