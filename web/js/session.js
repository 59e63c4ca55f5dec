// The access token lives in sessionStorage: it survives a reload of this
// tab, is not shared with other tabs, and is gone when the tab closes. A
// one-time notice (e.g. "your password has been changed") and the address
// for the sign-in form after a reset travel to the next page the same way,
// never in a URL, so that an address lands in no log or history. The
// account's stored locale is kept for the session too (see i18n.js).
const TOKEN = "todo.access_token";
const NOTICE = "todo.notice";
const EMAIL = "todo.sign_in_email";
const LOCALE = "todo.account_locale";

export function token() {
  return sessionStorage.getItem(TOKEN);
}

export function signIn(accessToken) {
  sessionStorage.setItem(TOKEN, accessToken);
}

// signOut forgets the account's language too: the next account may have
// another.
export function signOut() {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(LOCALE);
}

export function leaveNotice(message) {
  sessionStorage.setItem(NOTICE, message);
}

export function takeNotice() {
  return take(NOTICE);
}

// leaveEmail hands the sign-in page the address to fill in, once.
export function leaveEmail(email) {
  if (email) sessionStorage.setItem(EMAIL, email);
}

export function takeEmail() {
  return take(EMAIL);
}

export function accountLocale() {
  return sessionStorage.getItem(LOCALE) || "";
}

export function keepAccountLocale(pref) {
  sessionStorage.setItem(LOCALE, pref || "");
}

// take reads a one-time value and removes it.
function take(key) {
  const v = sessionStorage.getItem(key);
  sessionStorage.removeItem(key);
  return v;
}
