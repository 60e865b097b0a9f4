// An authenticator app for whoever's role needs one (managers, controllers, administrators):
// set up once, here, before anything else opens. The browser talks to the user pool itself
// with the person's own access token (AssociateSoftwareToken, VerifySoftwareToken,
// SetUserMFAPreference): the app's secret never passes through CivicDesk's API or its logs.
window.civicdeskSecondFactor = (ctx) => {
  const { $, t, say, config, accessToken, renewTokens, signedIn } = ctx;
  let secret = null;
  const townName = () => window.civicdeskI18n.town?.name || "CivicDesk";

  // One call of the user pool's JSON API (what the AWS SDKs send, without them).
  async function idp(action, body) {
    let response;
    try {
      response = await fetch(config().idp, { method: "POST", body: JSON.stringify(body),
        headers: { "Content-Type": "application/x-amz-json-1.1",
                   "X-Amz-Target": "AWSCognitoIdentityProviderService." + action } });
    } catch (error) { return { ok: false, kind: "offline" }; }
    const answer = await response.json().catch(() => ({}));
    const kind = String(answer.__type || "").split("#").pop();
    return { ok: response.ok, answer, kind };
  }

  function reset() {
    secret = null;
    $("factor-key").textContent = "";
    $("factor-link").removeAttribute("href");
    $("factor-step2").hidden = true;
    $("factor-start").hidden = false;
    $("factor-code").value = "";
    $("factor-code-error").textContent = "";
    $("factor-code").removeAttribute("aria-invalid");
    $("factor-done").hidden = true;
  }

  function show() {
    reset();
    $("factor-local").hidden = config().auth === "cognito";
    $("factor-start").disabled = config().auth !== "cognito";
  }

  // The secret as an authenticator app shows and takes it: groups of four, and the link a
  // phone opens in its app (otpauth, RFC 6238's parameters: 6 digits, 30 s).
  async function start() {
    const token = accessToken();
    if (!token) { say(t("c.signin.expired"), true); return; }
    const found = await idp("AssociateSoftwareToken", { AccessToken: token });
    if (!found.ok) { say(t(found.kind === "offline" ? "c.offline" : "c.factor.failed"), true); return; }
    secret = found.answer.SecretCode;
    const label = encodeURIComponent(townName() + ":" + signedIn().name);
    const query = new URLSearchParams({ secret, issuer: townName(), digits: "6", period: "30" });
    $("factor-key").textContent = secret.match(/.{1,4}/g).join(" ");
    $("factor-link").href = "otpauth://totp/" + label + "?" + query;
    $("factor-start").hidden = true;
    $("factor-step2").hidden = false;
    $("factor-code").focus();
  }

  async function verify(event) {
    event.preventDefault();
    const code = $("factor-code").value.replace(/\s+/g, "");
    const wrong = (key) => {
      $("factor-code-error").textContent = t(key);
      $("factor-code").setAttribute("aria-invalid", "true");
      $("factor-code").focus();
    };
    if (!/^\d{6}$/.test(code)) { wrong("c.factor.six_digits"); return; }
    const token = accessToken();
    const checked = await idp("VerifySoftwareToken",
      { AccessToken: token, UserCode: code, FriendlyDeviceName: "CivicDesk" });
    if (!checked.ok || checked.answer.Status !== "SUCCESS") {
      if (checked.kind === "offline") { say(t("c.offline"), true); return; }
      wrong(["CodeMismatchException", "EnableSoftwareTokenMFAException"].includes(checked.kind)
        || checked.answer.Status === "ERROR" ? "c.factor.wrong_code" : "c.factor.failed");
      return;
    }
    const chosen = await idp("SetUserMFAPreference", { AccessToken: token,
      SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } });
    if (!chosen.ok) { say(t("c.factor.failed"), true); return; }
    secret = null;
    // Fresh tokens, then who am I again: the API now lets the person in. The page says so
    // and stays until they go on (the queue would take the status line at once).
    await renewTokens();
    await ctx.afterSetUp();
    $("factor-step2").hidden = true;
    $("factor-done").hidden = false;
    $("factor-go").focus();
  }

  $("factor-start").addEventListener("click", start);
  $("factor-form").addEventListener("submit", verify);
  $("factor-go").addEventListener("click", () => ctx.goOn());
  return { show };
};
