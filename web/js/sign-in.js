import { api } from "/js/api.js";
import { onSubmit, say, showError } from "/js/form.js";
import * as session from "/js/session.js";
import { t } from "/js/i18n.js";

const form = document.getElementById("form");
// A notice comes translated, or as its English key (sign-out's).
const notice = session.takeNotice();
if (notice) say(t(notice));
// After a reset the address is filled in, once: the reset page left it in
// sessionStorage (never in the URL, so it lands in no log or history).
const email = session.takeEmail();
if (email) {
  form.email.value = email;
  form.password.focus();
}

onSubmit(
  form,
  async () => {
    const { data } = await api("POST", "/api/auth/login", {
      body: { email: form.email.value, password: form.password.value },
    });
    session.signIn(data.access_token);
    location.assign("/");
  },
  {
    fail: (err) => {
      showError(form, err);
      if (err.code === "unauthorized") form.password.focus();
    },
  },
);
