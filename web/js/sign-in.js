import { api } from "/js/api.js";
import { busy, clearFieldErrors, quiet, requireFilled, say, showError } from "/js/form.js";
import * as session from "/js/session.js";

const form = document.getElementById("form");
const notice = session.takeNotice();
if (notice) say(notice);

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  quiet();
  clearFieldErrors(form);
  if (!requireFilled(form)) return;
  busy(form, true);
  try {
    const { data } = await api("POST", "/api/auth/login", {
      body: { email: form.email.value, password: form.password.value },
    });
    session.signIn(data.access_token);
    location.assign("/");
  } catch (err) {
    busy(form, false);
    showError(form, err);
    if (err.code === "unauthorized") form.password.focus();
  }
});
