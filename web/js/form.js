// Form plumbing shared by every page: busy state, the API's field errors
// next to their fields, and messages in live regions so that screen readers
// announce them.

import { lang, t } from "/js/i18n.js";

// Every page has one polite status region and one assertive alert region.
const statusEl = () => document.getElementById("status");
const alertEl = () => document.getElementById("alert");

// say announces a success. It also clears any field error left from an
// earlier, unrelated attempt, which would otherwise still read as current.
export function say(message) {
  for (const f of document.forms) clearFieldErrors(f);
  alertEl().textContent = "";
  statusEl().textContent = message;
}

export function warn(message) {
  statusEl().textContent = "";
  alertEl().textContent = message;
}

export function quiet() {
  statusEl().textContent = "";
  alertEl().textContent = "";
}

export function busy(form, isBusy) {
  form.setAttribute("aria-busy", String(isBusy));
  for (const b of form.querySelectorAll("button")) b.disabled = isBusy;
}

export function clearFieldErrors(form) {
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  for (const p of form.querySelectorAll(".field-error")) p.textContent = "";
}

// setFieldError marks the input called name and writes message into its
// error paragraph (id "<input id>-error", already in aria-describedby).
export function setFieldError(form, name, message) {
  const input = form.elements.namedItem(name);
  if (!input || !input.id) return null;
  input.setAttribute("aria-invalid", "true");
  const p = document.getElementById(input.id + "-error");
  if (p) p.textContent = message;
  return input;
}

// showError shows an ApiError: field errors next to their fields (and focus
// on the first), everything else in the alert region. It returns true when
// it could place the error on a field.
export function showError(form, err) {
  clearFieldErrors(form);
  let first = null;
  const fields = (err.details && err.details.fields) || {};
  if (err.code === "validation_failed") {
    for (const [name, msg] of Object.entries(fields)) {
      const input = setFieldError(form, name, sentence(form, name, msg));
      first = first || input;
    }
  } else if (err.code === "invalid_request" && err.details && err.details.field) {
    first = setFieldError(form, err.details.field, err.message);
  }
  if (first) {
    warn(t("Please correct the highlighted fields."));
    first.focus();
    return true;
  }
  warn(describe(err));
  return false;
}

// describe turns an ApiError into a sentence for the alert region.
export function describe(err) {
  if (err.code === "rate_limited") {
    const s = Number(err.retryAfter || (err.details && err.details.retry_after_seconds));
    if (lang !== "en") return t("Too many attempts. Try again shortly.");
    return s > 0 ? `Too many attempts. Try again in ${s} second${s === 1 ? "" : "s"}.` : "Too many attempts. Try again shortly.";
  }
  return err.message;
}

// sentence makes "Password must be at least 8 characters." from the API's
// "must be at least 8 characters" and the field's label.
function sentence(form, name, msg) {
  const input = form.elements.namedItem(name);
  const label = input && input.labels && input.labels[0] ? input.labels[0].textContent.trim() : name;
  return `${label} ${msg}.`;
}

// requireFilled marks every empty required field of form, before any call
// to the API, and moves focus to the first; it returns false when one was
// empty.
export function requireFilled(form) {
  clearFieldErrors(form);
  let first = null;
  for (const input of form.querySelectorAll("input[required]")) {
    if (input.value.trim() !== "") continue;
    setFieldError(form, input.name, t("Please fill in this field."));
    first = first || input;
  }
  if (!first) return true;
  warn(t("Please correct the highlighted fields."));
  first.focus();
  return false;
}

// showPanel hides every .panel on the page but the one with id, and moves
// focus to its heading so that keyboard and screen-reader users land there.
export function showPanel(id) {
  for (const p of document.querySelectorAll(".panel")) p.hidden = p.id !== id;
  const h = document.querySelector(`#${id} h1, #${id} h2`);
  if (h) {
    h.tabIndex = -1;
    h.focus();
  }
}

// onSubmit runs action on each submit of form, the one way every page
// submits: the last attempt's messages are cleared, the form is checked
// (check, by default requireFilled: an empty required field never reaches
// the API) and busy while action runs. A failure frees the form and goes to
// fail (by default showError). After a success the form stays busy, since
// the page moves on; action frees it itself when the form stays in use.
export function onSubmit(form, action, { check = requireFilled, fail = (err) => showError(form, err) } = {}) {
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    quiet();
    clearFieldErrors(form);
    if (!check(form)) return;
    busy(form, true);
    try {
      await action();
    } catch (err) {
      busy(form, false);
      fail(err);
    }
  });
}

// noCheck is onSubmit's check for a form that the API alone validates.
export const noCheck = () => true;
