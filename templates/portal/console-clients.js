// API clients (administrators): the programs that file requests for people through Open311,
// each with a key issued here (shown once: only its hash is kept), and revoking one.
window.civicdeskClients = (ctx) => {
  const { $, t, call, post, say, showError, clearErrors, when } = ctx;

  async function load() {
    try {
      const answer = await call("/admin/api-keys");
      $("client-rows").replaceChildren(...answer.keys.map(row));
      $("client-empty").hidden = answer.keys.length > 0;
    } catch (error) { say(error.message, true); }
  }

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  function row(key) {
    const tr = document.createElement("tr");
    const state = key.active ? t("c.clients.active")
      : t("c.clients.revoked", { when: when(key.revoked_at) });
    tr.append(cell(key.name), cell(key.owner), cell(String(key.per_hour)), cell(when(key.issued_at)),
      cell(state));
    const actions = document.createElement("td");
    if (key.active) {
      const revoke = document.createElement("button");
      revoke.type = "button";
      revoke.className = "secondary";
      revoke.textContent = t("c.clients.revoke");
      revoke.setAttribute("aria-label", t("c.clients.revoke_named", { name: key.name }));
      revoke.addEventListener("click", async () => {
        try {
          await post("/admin/api-keys/" + encodeURIComponent(key.id) + "/revoke", {});
          say(t("c.clients.revoked_now", { name: key.name }));
          await load();
        } catch (error) { say(error.message, true); }
      });
      actions.append(revoke);
    }
    tr.append(actions);
    return tr;
  }

  async function issue(event) {
    event.preventDefault();
    clearErrors("client");
    try {
      const issued = await post("/admin/api-keys", {
        name: $("client-name").value, owner: $("client-owner").value,
        per_hour: Number($("client-per_hour").value || 100),
      });
      $("client").reset();
      say(t("c.clients.issued", { name: issued.name }));
      $("client-key").textContent = issued.key;
      $("client-new").hidden = false;
      $("client-key").focus();
      await load();
    } catch (error) { showError("client", error); }
  }

  $("client").addEventListener("submit", issue);
  return { load };
};
