// The reset link is FRONTEND_URL/reset-password?token=… (or #token=…). The
// token leaves the address bar before anything else happens; it then lives
// only in this module. Opening the page only asks whether the token is
// still good (POST …/verify, which spends nothing); the password changes
// only when the user submits the form.
import { api } from "/js/api.js";
import { busy, clearFieldErrors, describe, linkToken, quiet, requireFilled, setFieldError, showError, showPanel, warn } from "/js/form.js";
import * as session from "/js/session.js";
import { t } from "/js/i18n.js";

const token = linkToken();
const form = document.getElementById("form");

async function check() {
  quiet();
  showPanel("checking-panel");
  try {
    await api("POST", "/api/auth/reset-password/verify", { body: { token } });
    showPanel("form-panel");
    form.new_password.focus();
  } catch (err) {
    if (err.code === "invalid_token") {
      showPanel("invalid-panel");
    } else {
      showPanel("retry-panel");
      warn(describe(err));
    }
  }
}

if (token) {
  check();
} else {
  showPanel("missing-panel");
}
document.getElementById("retry").addEventListener("click", check);

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  quiet();
  if (!requireFilled(form)) return;
  if (form.new_password.value !== form.confirm_password.value) {
    setFieldError(form, "confirm_password", t("The two passwords are not the same."));
    warn(t("Please correct the highlighted fields."));
    form.confirm_password.focus();
    return;
  }
  busy(form, true);
  try {
    const { data } = await api("POST", "/api/auth/reset-password", {
      body: { token, new_password: form.new_password.value },
    });
    // The API signed out every session of this account; drop ours too.
    session.signOut();
    session.leaveNotice(t(data.message));
    location.assign("/sign-in");
  } catch (err) {
    busy(form, false);
    if (err.code === "invalid_token") {
      showPanel("invalid-panel");
      return;
    }
    showError(form, err);
  }
});
