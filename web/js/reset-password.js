// The reset link is FRONTEND_URL/reset-password?token=… (or #token=…). The
// token leaves the address bar before anything else happens; it then lives
// only in this module. Opening the page only asks whether the token is
// still good (POST …/verify, which spends nothing); the password changes
// only when the user submits the form.
import { api } from "/js/api.js";
import { onSubmit, requireFilled, setFieldError, warn } from "/js/form.js";
import { openLink, spent } from "/js/link.js";
import * as session from "/js/session.js";
import { t } from "/js/i18n.js";

const form = document.getElementById("form");
const token = openLink("/api/auth/reset-password/verify", {
  missingPanel: "missing-panel",
  ready: () => form.new_password.focus(),
});

// samePasswords catches two different entries in the page.
function samePasswords() {
  if (form.new_password.value === form.confirm_password.value) return true;
  setFieldError(form, "confirm_password", t("The two passwords are not the same."));
  warn(t("Please correct the highlighted fields."));
  form.confirm_password.focus();
  return false;
}

onSubmit(
  form,
  async () => {
    const { data } = await api("POST", "/api/auth/reset-password", {
      body: { token, new_password: form.new_password.value },
    });
    // The API signed out every session of this account; drop ours too.
    session.signOut();
    session.leaveNotice(t(data.message));
    // The sign-in form fills in the account's address (from the API: the
    // user may not remember which one the mail went to).
    session.leaveEmail(data.email);
    location.assign("/sign-in");
  },
  { check: () => requireFilled(form) && samePasswords(), fail: spent(form) },
);
