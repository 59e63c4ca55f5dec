// The access token lives in sessionStorage: it survives a reload of this
// tab, is not shared with other tabs, and is gone when the tab closes. A
// one-time notice (e.g. "your password has been changed") travels to the
// next page the same way.
const TOKEN = "todo.access_token";
const NOTICE = "todo.notice";

export function token() {
  return sessionStorage.getItem(TOKEN);
}

export function signIn(accessToken) {
  sessionStorage.setItem(TOKEN, accessToken);
}

export function signOut() {
  sessionStorage.removeItem(TOKEN);
}

export function leaveNotice(message) {
  sessionStorage.setItem(NOTICE, message);
}

export function takeNotice() {
  const n = sessionStorage.getItem(NOTICE);
  sessionStorage.removeItem(NOTICE);
  return n;
}
