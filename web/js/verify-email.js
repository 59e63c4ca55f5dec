// The confirmation link is FRONTEND_URL/verify-email?token=…. Opening it
// changes nothing: the page first asks whether the link still works (POST
// …/verify-email/check, which spends nothing), as the reset page does, so
// that a used or expired link says so before the button is offered; only
// the button spends the token, so a mail scanner that fetches the link (or
// even runs this page) confirms nothing. The account opens only with the
// password chosen at sign-up, typed again here: whoever registered chose
// it, and that may be someone who typed another person's address (a
// pre-hijacked account).
import { api } from "/js/api.js";
import { noCheck, onSubmit } from "/js/form.js";
import { openLink, spent } from "/js/link.js";
import * as session from "/js/session.js";
import { t } from "/js/i18n.js";

const form = document.getElementById("form");
const linkToken = openLink("/api/auth/verify-email/check");

onSubmit(
  form,
  async () => {
    const { data } = await api("POST", "/api/auth/verify-email", {
      body: { token: linkToken, password: form.password.value },
    });
    session.signIn(data.access_token);
    session.leaveNotice(t("Your email address is confirmed. Welcome!"));
    location.assign("/");
  },
  { check: noCheck, fail: spent(form) },
);
