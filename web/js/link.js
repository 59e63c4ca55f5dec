// The pages that a mailed one-time link opens (reset-password,
// verify-email) share one life: the token leaves the address bar at once,
// the page asks the API whether it still works (an endpoint that spends
// nothing, so a mail scanner that runs the page changes nothing), and only
// then offers its form; a used or expired link shows #invalid-panel, before
// any click and after one.
import { api } from "/js/api.js";
import { describe, quiet, showError, showPanel, warn } from "/js/form.js";
import { t } from "/js/i18n.js";

// addPanels writes the two panels every link page shows around its form:
// #checking-panel (under the form's own heading) while the check runs, and
// #retry-panel with its #retry button when the check could not be made.
// They are written here, once, for both pages (the pages have no build
// step to share markup); the words are translated like the pages' own.
function addPanels() {
  const formPanel = document.getElementById("form-panel");
  const section = (id, heading, ...content) => {
    const s = document.createElement("section");
    s.className = "panel";
    s.id = id;
    s.hidden = true;
    const h = document.createElement("h1");
    h.textContent = heading;
    s.append(h, ...content);
    return s;
  };
  const para = (...content) => {
    const p = document.createElement("p");
    p.append(...content);
    return p;
  };
  const retry = document.createElement("button");
  retry.type = "button";
  retry.id = "retry";
  retry.textContent = t("Try again");
  formPanel.before(section("checking-panel", formPanel.querySelector("h1").textContent, para(t("Checking your link…"))));
  formPanel.after(section("retry-panel", t("We could not check your link"),
    para(t("Nothing has changed. Check your connection, then try again.")), para(retry)));
  return retry;
}

// linkToken reads a one-time token from ?token=… or #token=… and removes it
// from the address bar and the history entry at once, so that it never
// shows in a screenshot, the back button or a URL a script reports. The
// browser's own history database still records the visited URL, token
// included (docs/deployment/security.md, 23.11).
function linkToken() {
  const fromQuery = new URLSearchParams(location.search).get("token");
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, "")).get("token");
  if (location.search || location.hash) history.replaceState(null, "", location.pathname);
  return fromQuery || fromHash || "";
}

// openLink takes the page's token, checks it at checkPath and shows
// #form-panel (then calls ready), #invalid-panel, or #retry-panel with the
// reason (its #retry button checks again). A link without a token shows
// missingPanel. It returns the token.
export function openLink(checkPath, { missingPanel = "invalid-panel", ready = () => {} } = {}) {
  const retry = addPanels();
  const token = linkToken();
  async function check() {
    quiet();
    showPanel("checking-panel");
    try {
      await api("POST", checkPath, { body: { token } });
      showPanel("form-panel");
      ready();
    } catch (err) {
      if (err.code === "invalid_token") {
        showPanel("invalid-panel");
      } else {
        showPanel("retry-panel");
        warn(describe(err));
      }
    }
  }
  if (token) check();
  else showPanel(missingPanel);
  retry.addEventListener("click", check);
  return token;
}

// spent is onSubmit's fail for a link page's form: a token used or
// expired meanwhile shows #invalid-panel, anything else the form's error.
export function spent(form) {
  return (err) => {
    if (err.code === "invalid_token") showPanel("invalid-panel");
    else showError(form, err);
  };
}
