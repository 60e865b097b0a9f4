// CivicDesk's words on screen. One file per language, i18n/<code>.json (flat keys; adding a
// language is adding its file: i18n/languages.json is made from the folder when the portal is
// served or deployed). Elements name their text with data-i18n (content), data-i18n-placeholder
// or data-i18n-label (an aria-label); the reader's choice is kept in localStorage. Dates are
// shown in the town's time zone (town.json), without seconds, and say the zone when the reader's differs.
(() => {
  const here = document.currentScript ? document.currentScript.src : location.href;
  const folder = new URL("i18n/", here);
  const texts = {};   // language → its file
  const extra = {};   // language → texts a page adds (the staff console's)
  let languages = [{ code: "en", name: "English" }];
  let lang = "en";
  let town = { time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone };

  function wanted() {
    const stored = localStorage.getItem("civicdesk.lang");
    const browser = (navigator.languages || [navigator.language || "en"])
      .map((l) => String(l).slice(0, 2).toLowerCase());
    return [...(stored ? [stored] : []), ...browser, "en"];
  }
  async function load(code) {
    if (!texts[code]) {
      const answer = await fetch(new URL(code + ".json", folder));
      if (!answer.ok) throw new Error("no texts for " + code);
      texts[code] = await answer.json();
    }
    return texts[code];
  }
  // The list, English (the fallback) and the reader's language are fetched side by side.
  const ready = (async () => {
    const first = wanted().find((code) => /^[a-z]{2}$/.test(code) && code !== "en");
    const [list] = await Promise.all([
      fetch(new URL("languages.json", folder)).then((r) => r.json()).catch(() => languages),
      fetch(new URL("../town.json", folder)).then((r) => r.json()).then((t) => { town = t; })
        .catch(() => {}),
      load("en").catch(() => {}),
      first ? load(first).catch(() => {}) : null,
    ]);
    languages = list;
    const offered = new Set(languages.map((l) => l.code));
    lang = wanted().find((code) => offered.has(code) && texts[code]) || "en";
  })();

  function t(key, values) {
    const text = texts[lang]?.[key] ?? extra[lang]?.[key] ?? texts.en?.[key] ?? extra.en?.[key] ?? key;
    return values ? text.replace(/\{(\w+)\}/g, (all, name) => (name in values ? values[name] : all)) : text;
  }
  function has(key) { return Boolean(texts[lang]?.[key] ?? texts.en?.[key]); }
  // The sentence for one field problem: the field's own, else the problem's, else a general one.
  function problem(field, code) {
    for (const key of ["problem." + field + "." + code, "problem." + code]) {
      if (has(key)) return t(key);
    }
    return t("problem.invalid");
  }
  // An API refusal in the reader's words, by its code (never the server's English).
  function refusal(answer, status, retryAfter) {
    const code = answer?.error?.code;
    if (status === 429 || code === "too_many_requests") {
      const seconds = Number(retryAfter) || 60;
      const wait = seconds >= 90 ? t("wait.minutes", { n: Math.ceil(seconds / 60) })
        : t("wait.seconds", { n: seconds });
      return t("error.too_many_requests", { wait });
    }
    if (code && has("error." + code)) return t("error." + code);
    return t(status >= 500 || !status ? "error.unavailable" : "error.generic");
  }

  function zoneDiffers() {
    return Intl.DateTimeFormat().resolvedOptions().timeZone !== town.time_zone;
  }
  // "12 Mar 2026, 14:05" in the town's zone; "…, 14:05 GMT+3" when the reader is elsewhere.
  function when(iso) {
    if (!iso) return "—";
    const options = { dateStyle: "medium", timeStyle: "short", timeZone: town.time_zone };
    let text = new Intl.DateTimeFormat(lang, options).format(new Date(iso));
    if (zoneDiffers()) {
      const zone = new Intl.DateTimeFormat(lang, { timeZone: town.time_zone, timeZoneName: "short" })
        .formatToParts(new Date(iso)).find((part) => part.type === "timeZoneName");
      if (zone) text += " " + zone.value;
    }
    return text;
  }

  function apply() {
    document.documentElement.lang = lang;
    // Texts may name the town's settings: "call {emergency}".
    const settings = { emergency: town.emergency_number || "112", town: town.name?.[lang] || town.name?.en || "" };
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n, settings);
    for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    }
    for (const el of document.querySelectorAll("[data-i18n-label]")) {
      el.setAttribute("aria-label", t(el.dataset.i18nLabel));
    }
    // The switch offers the next language, in its own words.
    const next = languages[(languages.findIndex((l) => l.code === lang) + 1) % languages.length];
    for (const el of document.querySelectorAll("[data-lang-switch]")) {
      el.textContent = next ? next.name : "";
      el.lang = next ? next.code : "";
      el.hidden = languages.length < 2;
    }
    document.dispatchEvent(new CustomEvent("civicdesk:lang", { detail: lang }));
  }
  async function toggle() {
    const next = languages[(languages.findIndex((l) => l.code === lang) + 1) % languages.length];
    if (!next) return;
    await load(next.code);
    lang = next.code;
    localStorage.setItem("civicdesk.lang", lang);
    apply();
  }
  // Pages with texts of their own (the staff console) add them: {en: {...}, ru: {...}}.
  function add(more) { for (const l of Object.keys(more)) extra[l] = { ...extra[l], ...more[l] }; }
  // A file of the portal by its path from the portal's root (pages may live deeper: /r/<n>).
  function asset(path) { return new URL("../" + path, folder).href; }
  window.civicdeskI18n = {
    t, problem, refusal, when, apply, toggle, add, ready, asset,
    get lang() { return lang; }, get town() { return town; },
  };
  const started = new Promise((resolve) => {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", resolve);
    else resolve();
  });
  Promise.all([ready, started]).then(apply);
})();
