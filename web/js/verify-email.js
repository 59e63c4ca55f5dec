// The confirmation link is FRONTEND_URL/verify-email?token=…. Opening it
// changes nothing: only the button below spends the token (the page's check
// spends nothing), so a mail
// scanner that fetches the link (or even runs this page) confirms nothing.
// The account opens only with the password chosen at sign-up, typed again
// here: whoever registered chose it, and that may be someone who typed
// another person's address (a pre-hijacked account).
import { api } from "/js/api.js";
import { busy, clearFieldErrors, describe, linkToken as takeLinkToken, quiet, showError, showPanel, warn } from "/js/form.js";
import * as session from "/js/session.js";
import { t } from "/js/i18n.js";

const linkToken = takeLinkToken();
const form = document.getElementById("form");

// Opening the page asks first whether the link still works (POST
// …/verify-email/check, which spends nothing), so that a used or expired
// link says so before the button is offered, as the reset page does.
async function check() {
  quiet();
  showPanel("checking-panel");
  try {
    await api("POST", "/api/auth/verify-email/check", { body: { token: linkToken } });
    showPanel("form-panel");
  } catch (err) {
    if (err.code === "invalid_token") {
      showPanel("invalid-panel");
    } else {
      showPanel("retry-panel");
      warn(describe(err));
    }
  }
}

if (!linkToken) {
  showPanel("invalid-panel");
} else {
  check();
}
document.getElementById("retry").addEventListener("click", check);

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  quiet();
  clearFieldErrors(form);
  busy(form, true);
  try {
    const { data } = await api("POST", "/api/auth/verify-email", {
      body: { token: linkToken, password: form.password.value },
    });
    session.signIn(data.access_token);
    session.leaveNotice(t("Your email address is confirmed. Welcome!"));
    location.assign("/");
  } catch (err) {
    busy(form, false);
    if (err.code === "invalid_token") {
      showPanel("invalid-panel");
      return;
    }
    showError(form, err);
  }
});
