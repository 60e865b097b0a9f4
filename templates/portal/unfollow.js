// A follower's stop link (unfollow.html?n=<number>&f=<follower>#t=<signed token>): asks first
// (mail scanners open links; a stop must be the person's own press), then stops. The token
// stays in the fragment, so it never reaches a server's logs.
(() => {
  const api = document.querySelector('meta[name="civicdesk-api"]')?.content || "";
  const i18n = window.civicdeskI18n;
  const $ = (id) => document.getElementById(id);
  const query = new URLSearchParams(location.search);
  const number = query.get("n") || "";
  const follower = query.get("f") || "";
  const token = decodeURIComponent((location.hash.match(/[#&]t=([^&]+)/) || [])[1] || "");
  let state = number && follower && token ? "ask" : "bad";

  function draw() {
    $("ask").textContent = state === "ask" ? i18n.t("unfollow.ask", { number }) : "";
    $("stop").hidden = state !== "ask";
    $("message").textContent = state === "done" ? i18n.t("unfollow.done", { number })
      : state === "bad" ? i18n.t("unfollow.bad") : "";
    $("page").hidden = !number || state === "bad";
    $("page").href = "/r/" + encodeURIComponent(number);
  }

  async function stop() {
    $("stop").disabled = true;
    try {
      const answer = await fetch(api + "/requests/" + encodeURIComponent(number) + "/followers/" +
        encodeURIComponent(follower) + "/stop", { method: "POST", headers: { "X-Unfollow-Token": token } });
      state = answer.ok ? "done" : "bad";
    } catch (error) { state = "bad"; }
    finally { $("stop").disabled = false; }
    draw();
  }

  $("stop").addEventListener("click", stop);
  $("lang").addEventListener("click", () => i18n.toggle());
  document.addEventListener("civicdesk:lang", draw);
  i18n.ready.then(draw);
})();
