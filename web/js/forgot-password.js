// The API answers 202 with the same words whether or not the address has an
// account, so the page cannot and does not say which.
import { api } from "/js/api.js";
import { onSubmit, showPanel } from "/js/form.js";
import { locale, t } from "/js/i18n.js";

const form = document.getElementById("form");

onSubmit(form, async () => {
  const { data } = await api("POST", "/api/auth/forgot-password", { body: { email: form.email.value, locale } });
  document.getElementById("sent-message").textContent = t(data.message);
  showPanel("sent-panel");
});
