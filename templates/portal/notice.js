// Pages that only show the town's texts (the consent notice, the accessibility statement).
(() => {
  const i18n = window.civicdeskI18n;
  const $ = (id) => document.getElementById(id);
  function draw() {
    const consent = i18n.town.consent;
    if (!$("consent-text") || !consent) return;
    $("consent-version").textContent = i18n.t("consent.version", { version: consent.version });
    const text = consent.text[i18n.lang] || consent.text.en;
    $("consent-text").replaceChildren(...text.split(/\n\s*\n/).map((paragraph) => {
      const p = document.createElement("p");
      p.textContent = paragraph;
      return p;
    }));
  }
  $("lang").addEventListener("click", () => i18n.toggle());
  document.addEventListener("civicdesk:lang", draw);
})();
