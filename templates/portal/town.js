// The town's face on every portal page, from town.json (chalicelib/seed/town.json): its name and
// logo in the header, its colour, its contacts and links in the footer; drawn again on a
// language switch.
(() => {
  const i18n = window.civicdeskI18n;
  const $ = (id) => document.getElementById(id);
  const local = (names) => (names ? names[i18n.lang] || names.en : "");

  function draw() {
    const town = i18n.town;
    if (!town.name) return;
    document.documentElement.style.setProperty("--primary", town.colours.primary);
    document.documentElement.style.setProperty("--focus", town.colours.focus);
    const name = local(town.name);
    if ($("town-name")) $("town-name").textContent = name;
    if ($("town-logo") && town.logo) { $("town-logo").src = i18n.asset(town.logo); $("town-logo").hidden = false; }
    const page = document.querySelector("h1")?.textContent;
    document.title = page ? page + " — " + name : name;
    const footer = $("town-footer");
    if (!footer) return;
    const contact = town.contact || {};
    const lines = [name, local(contact.address), local(contact.hours)].filter(Boolean);
    const parts = [document.createElement("p")];
    parts[0].textContent = lines.join(" · ");
    const reach = document.createElement("p");
    if (contact.phone) {
      const phone = document.createElement("a");
      phone.href = "tel:" + contact.phone.replace(/[^0-9+]/g, "");
      phone.textContent = contact.phone;
      reach.append(phone);
    }
    if (contact.email) {
      if (reach.childNodes.length) reach.append(" · ");
      const mail = document.createElement("a");
      mail.href = "mailto:" + contact.email;
      mail.textContent = contact.email;
      reach.append(mail);
    }
    parts.push(reach);
    const links = document.createElement("ul");
    links.className = "links";
    for (const link of town.links || []) {
      const item = document.createElement("li");
      const a = document.createElement("a");
      a.href = link.url.startsWith("https://") ? link.url : i18n.asset(link.url);
      a.textContent = local(link.label);
      item.append(a);
      links.append(item);
    }
    parts.push(links);
    footer.replaceChildren(...parts);
  }
  document.addEventListener("civicdesk:lang", draw);
  i18n.ready.then(draw);
})();
