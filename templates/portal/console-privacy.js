// A requester's data requests (administrators): everything held about a contact, shown as a
// list and given as one JSON file, and erasing it from every card of theirs (it cannot be
// undone: the form asks for the request's reference and a tick that says so).
window.civicdeskPrivacy = (ctx) => {
  const { $, t, post, say, showError, clearErrors } = ctx;
  let download = null;

  const contact = () => ({
    email: $("privacy-email").value.trim() || null,
    phone: $("privacy-phone").value.trim() || null,
  });

  function link(number) {
    const a = document.createElement("a");
    a.href = "#/card/" + encodeURIComponent(number);
    a.textContent = number;
    return a;
  }

  function list(id, numbers) {
    $(id).replaceChildren(...numbers.map((n) => {
      const li = document.createElement("li");
      li.append(link(n));
      return li;
    }));
  }

  function reset() {
    $("privacy-held").hidden = true;
    $("privacy-done").hidden = true;
    if (download) URL.revokeObjectURL(download);
    download = null;
  }

  async function show() {
    clearErrors("privacy");
    reset();
    try {
      const held = await post("/admin/data-requests/export", contact());
      list("privacy-cards", held.cards.map((c) => c.number));
      $("privacy-count").textContent = t("c.privacy.count", { n: held.cards.length });
      // The file the requester is sent: everything, as the API gave it.
      download = URL.createObjectURL(new Blob([JSON.stringify(held, null, 2)],
        { type: "application/json" }));
      $("privacy-file").href = download;
      $("privacy-file").download = "data-request.json";
      $("privacy-held").hidden = false;
      say("");  // what an earlier attempt said no longer holds
      $("privacy-count").focus();
    } catch (error) {
      if (error.status === 404) say(t("c.privacy.none"), true);
      else showError("privacy", error);
    }
  }

  async function eraseAll() {
    clearErrors("privacy");
    reset();
    if (!$("privacy-sure").checked) {
      $("privacy-sure-error").textContent = t("c.privacy.tick");
      $("privacy-sure").setAttribute("aria-invalid", "true");
      $("privacy-sure").focus();
      return;
    }
    try {
      const done = await post("/admin/data-requests/erase",
        { ...contact(), reason: $("privacy-reason").value });
      list("privacy-erased", done.erased);
      $("privacy-result").textContent = t("c.privacy.erased", { n: done.erased.length,
        messages: done.messages_deleted, files: done.files_deleted });
      $("privacy-open").textContent = done.were_open.length
        ? t("c.privacy.were_open", { numbers: done.were_open.join(", ") }) : "";
      $("privacy-sure").checked = false;
      $("privacy-done").hidden = false;
      say("");
      $("privacy-result").focus();
    } catch (error) {
      if (error.status === 404) say(t("c.privacy.none"), true);
      else showError("privacy", error);
    }
  }

  $("privacy-show").addEventListener("click", show);
  $("privacy-erase").addEventListener("click", eraseAll);
  $("privacy").addEventListener("submit", (event) => { event.preventDefault(); show(); });
  return { load: reset };
};
