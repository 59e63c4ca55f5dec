// Sign-up answers in one of two ways (docs/api.md): 202 when the address
// must be confirmed first (a link is mailed; the answer is the same whether
// or not the address already has an account), or 201 when confirmation is
// off. A 201 with an access token signs in at once; without one (older
// APIs) the page signs in with the same credentials.
import { api } from "/js/api.js";
import { onSubmit, showError, showPanel } from "/js/form.js";
import { locale } from "/js/i18n.js";
import * as session from "/js/session.js";

const form = document.getElementById("form");

onSubmit(
  form,
  async () => {
    const creds = { email: form.email.value, password: form.password.value };
    const { status, data } = await api("POST", "/api/auth/register", {
      body: { ...creds, name: form.elements.namedItem("name").value, locale },
    });
    if (status === 202) {
      document.getElementById("sent-to").textContent = creds.email.trim();
      form.reset();
      showPanel("sent-panel");
      return;
    }
    let accessToken = data && data.access_token;
    if (!accessToken) accessToken = (await api("POST", "/api/auth/login", { body: creds })).data.access_token;
    session.signIn(accessToken);
    location.assign("/");
  },
  {
    fail: (err) => {
      if (err.code === "conflict") {
        // Only when confirmation is off: with it on, the API never says
        // whether an address has an account.
        err.code = "validation_failed";
        err.details = { fields: { email: "already has an account; sign in or reset its password instead" } };
      }
      showError(form, err);
    },
  },
);
