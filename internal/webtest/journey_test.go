package webtest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// TestJourney is the journey, in Chromium, with the web app and the
// API on different origins:
//  1. sign up (confirming the address through the mailed link when the API
//     asks for it);
//  2. sign in, add a task, complete it, delete one, sign out;
//  3. forgot password; a mail scanner GETs and HEADs the link; then the
//     user opens it;
//  4. set a new password; the sign-in form has the address filled in; the
//     old session's token gets 401;
//  5. sign in with the new password; the same link now says it was used.
//
// Every page is checked with axe-core, and no page may log a console error.
func TestJourney(t *testing.T) {
	s, b := openSite(t)

	const (
		email       = "ada@example.com"
		oldPassword = "correct horse battery"
		newPassword = "a brand new passphrase"
	)

	t.Log("1. sign up")
	b.open(t, s.web+"/sign-up")
	b.waitFor(t, "the sign-up form", visible("#form"))
	b.checkPage(t, "sign-up")
	// A password the API refuses: its field error shows next to the field,
	// and focus moves there.
	b.typeInto(t, "#name", "Ada Lovelace")
	b.typeInto(t, "#email", email)
	b.typeInto(t, "#password", "short")
	b.click(t, `#form button[type="submit"]`)
	b.waitFor(t, "the password's field error", `document.querySelector("#password").getAttribute("aria-invalid") === "true"`)
	require.Contains(t, b.text(t, "#password-error"), "Password must be at least 8 characters")
	require.Equal(t, "password", eval[string](t, b, `document.activeElement.id`))
	require.NotEmpty(t, b.text(t, "#alert"), "the error is announced in the alert region")
	b.axeCheck(t, "sign-up with field errors")
	b.do(t, clearField("#password"))
	b.typeInto(t, "#password", oldPassword+kb.Enter)
	verifyChecked := false
	b.waitFor(t, "signed in, or asked to confirm the address",
		`location.pathname === "/" || `+visible("#sent-panel"))
	if eval[string](t, b, `location.pathname`) != "/" {
		t.Log("   the API asks for confirmation: following the mailed link")
		b.checkPage(t, "sign-up-sent")
		link := s.waitLink(t, email, "verify-email", 0)
		require.True(t, strings.HasPrefix(link, s.web+"/verify-email?token="), link)
		b.open(t, link)
		b.waitFor(t, "the confirm button", visible("#form-panel"))
		require.NotContains(t, eval[string](t, b, `location.href`), "token", "the token left the address bar")
		b.checkPage(t, "verify-email")
		verifyChecked = true
		// The link alone opens nothing (issue 23, item 1): a password other
		// than the one chosen at sign-up is refused next to its field, and
		// the link stays usable.
		b.typeInto(t, "#password", "not the sign-up password"+kb.Enter)
		b.waitFor(t, "the password's field error", `document.querySelector("#password").getAttribute("aria-invalid") === "true"`)
		require.Contains(t, b.text(t, "#password-error"), "does not match the password chosen at sign-up")
		b.axeCheck(t, "verify-email with a wrong password")
		b.do(t, clearField("#password"))
		b.typeInto(t, "#password", oldPassword+kb.Enter)
		b.waitFor(t, "the task list", `location.pathname === "/"`)
		// The same link again: the page finds it used before offering
		// the button, as the reset page does.
		b.open(t, link)
		b.waitFor(t, "the used-link panel, before any click", visible("#invalid-panel"))
		require.False(t, eval[bool](t, b, visible("#form-panel")), "a used link offered the confirm button")
		b.open(t, s.web+"/")
	}
	b.waitFor(t, "the signed-in user's name", `document.querySelector("#who").innerText.includes("Ada Lovelace")`)
	b.click(t, "#sign-out")
	b.waitFor(t, "the sign-in page", `location.pathname === "/sign-in" && document.querySelector("#status").innerText.includes("signed out")`)

	t.Log("2. sign in, add a task, complete it, sign out")
	b.checkPage(t, "sign-in")
	// Keyboard users meet the controls in reading order.
	require.Equal(t, []string{"Todo", "email", "password", "Sign in", "Forgot your password?", "Create one"},
		b.tabOrder(t, 6))
	b.typeInto(t, "#email", email)
	b.typeInto(t, "#password", oldPassword+kb.Enter)
	b.waitFor(t, "the task list", `location.pathname === "/" && document.querySelector("#who").innerText !== ""`)
	oldToken := eval[string](t, b, `sessionStorage.getItem("todo.access_token")`)
	require.NotEmpty(t, oldToken)
	b.typeInto(t, "#title", "Buy milk"+kb.Enter)
	b.waitFor(t, "the first task", `[...document.querySelectorAll("#tasks label")].some(l => l.innerText === "Buy milk")`)
	b.typeInto(t, "#title", "Write the report"+kb.Enter)
	b.waitFor(t, "the second task", `document.querySelectorAll("#tasks li").length === 2`)
	require.Equal(t, "Added “Write the report”.", b.text(t, "#status"))
	// The newest task is first; complete the older one.
	b.click(t, "#tasks li:nth-child(2) input[type=checkbox]")
	b.waitFor(t, "the task marked done", `document.querySelector("#tasks li:nth-child(2)").classList.contains("done")`)
	b.click(t, "#tasks li:nth-child(1) button.delete")
	b.waitFor(t, "the deleted task gone", `document.querySelectorAll("#tasks li").length === 1`)
	require.Equal(t, "task-", eval[string](t, b, `document.activeElement.id.slice(0, 5)`), "focus stays in the list after a delete")
	b.checkPage(t, "tasks")
	b.click(t, "#sign-out")
	b.waitFor(t, "the sign-in page", `location.pathname === "/sign-in" && document.querySelector("#status").innerText.includes("signed out")`)
	require.Nil(t, eval[any](t, b, `sessionStorage.getItem("todo.access_token")`))

	t.Log("3. forgot password; a scanner fetches the link first")
	b.click(t, `a[href="/forgot-password"]`)
	b.waitFor(t, "the forgot-password form", `location.pathname === "/forgot-password"`)
	b.checkPage(t, "forgot-password")
	b.typeInto(t, "#email", email+kb.Enter)
	b.waitFor(t, "the confirmation", visible("#sent-panel"))
	require.Contains(t, b.text(t, "#sent-message"), "If an account exists")
	b.checkPage(t, "forgot-password-sent")
	link := s.waitLink(t, email, "reset-password", 0)
	require.True(t, strings.HasPrefix(link, s.web+"/reset-password?token="), link)
	// The user reads it where the README sends them: Mailpit's inbox page
	// (a single-page app; without its bundle it is blank).
	subject := s.mailSubject(t, email)
	b.open(t, s.mailpit+"/")
	b.waitFor(t, "the reset mail in the inbox's message list",
		fmt.Sprintf(`[...document.querySelectorAll("#message-page a, .message")].some(e => e.innerText.includes(%q))`, subject))
	b.screenshot(t, "mailpit-inbox")
	// A mail scanner: GET and HEAD of the link, as link checkers do.
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, err := http.NewRequest(method, link, nil)
		require.NoError(t, err)
		req.Header.Set("User-Agent", "mail-scanner/1.0")
		resp, err := s.client.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, method)
		require.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"), method)
		require.Equal(t, "no-store", resp.Header.Get("Cache-Control"), method)
		token := link[strings.Index(link, "token=")+len("token="):]
		require.NotContains(t, string(body), token, "the page never echoes the token")
	}
	b.open(t, link)
	b.waitFor(t, "the new-password form (the scanner spent nothing)", visible("#form-panel"))
	require.Equal(t, s.web+"/reset-password", eval[string](t, b, `location.href`), "the token left the address bar")
	require.Equal(t, "new_password", eval[string](t, b, `document.activeElement.id`))
	require.Equal(t, "no-referrer", eval[string](t, b, `document.querySelector('meta[name="referrer"]').content`))
	b.checkPage(t, "reset-password")

	t.Log("4. set a new password; the old session ends")
	// Two different entries are caught in the page; a password the API
	// refuses comes back as a field error, and the link still works after.
	b.typeInto(t, "#new_password", "short")
	b.typeInto(t, "#confirm_password", "shorter"+kb.Enter)
	b.waitFor(t, "the mismatch error", `document.querySelector("#confirm_password-error").innerText.includes("not the same")`)
	b.do(t, clearField("#confirm_password"))
	b.typeInto(t, "#confirm_password", "short"+kb.Enter)
	b.waitFor(t, "the API's field error", `document.querySelector("#new_password-error").innerText.includes("at least 8 characters")`)
	require.Equal(t, "true", eval[string](t, b, `document.querySelector("#new_password").getAttribute("aria-invalid")`))
	require.Equal(t, "new_password", eval[string](t, b, `document.activeElement.id`))
	b.axeCheck(t, "reset-password with field errors")
	b.do(t, clearField("#new_password"), clearField("#confirm_password"))
	b.typeInto(t, "#new_password", newPassword)
	b.typeInto(t, "#confirm_password", newPassword+kb.Enter)
	b.waitFor(t, "back on sign-in with a notice", `location.pathname === "/sign-in" && document.querySelector("#status").innerText.includes("changed")`)
	// The address is filled in, once, from the API's answer; it travelled
	// in sessionStorage, never in the URL.
	require.Equal(t, email, eval[string](t, b, `document.querySelector("#email").value`), "the email prefilled after the reset")
	require.Equal(t, "password", eval[string](t, b, `document.activeElement.id`))
	require.Equal(t, s.web+"/sign-in", eval[string](t, b, `location.href`))
	require.Zero(t, eval[int](t, b, `Object.values(sessionStorage).filter((v) => v.includes("@")).length`), "the address was taken from storage")
	require.Equal(t, http.StatusUnauthorized, s.apiStatus(t, http.MethodGet, "/api/auth/me", oldToken))
	// The page that still holds the old token finds out too.
	b.do(t, setSession(oldToken))
	b.open(t, s.web+"/")
	b.waitFor(t, "sent to sign-in", `location.pathname === "/sign-in" && document.querySelector("#status").innerText.includes("session has ended")`)
	require.Empty(t, eval[string](t, b, `document.querySelector("#email").value`), "the email is prefilled once only")

	t.Log("5. sign in with the new password; the link is used up")
	b.typeInto(t, "#email", email)
	b.typeInto(t, "#password", oldPassword+kb.Enter)
	b.waitFor(t, "the old password refused", `document.querySelector("#alert").innerText.includes("incorrect")`)
	b.do(t, clearField("#password"))
	b.typeInto(t, "#password", newPassword+kb.Enter)
	b.waitFor(t, "the task list", `location.pathname === "/" && [...document.querySelectorAll("#tasks label")].some(l => l.innerText === "Buy milk")`)
	b.open(t, link)
	b.waitFor(t, "the used-link panel", visible("#invalid-panel"))
	require.Contains(t, b.text(t, "#invalid-panel"), "already used")
	require.Contains(t, b.text(t, "#invalid-panel"), "expired")
	b.checkPage(t, "reset-password-used")
	// The same token in a fragment (#token=…), as operators may send links
	// later: read, stripped from the address bar, and found used.
	b.open(t, s.web+"/sign-in")
	b.open(t, strings.Replace(link, "?token=", "#token=", 1))
	b.waitFor(t, "the used-link panel, from a fragment", visible("#invalid-panel"))
	require.Equal(t, s.web+"/reset-password", eval[string](t, b, `location.href`), "the fragment left the address bar")
	b.click(t, `#invalid-panel a[href="/forgot-password"]`)
	b.waitFor(t, "a way to ask again", `location.pathname === "/forgot-password"`)

	if !verifyChecked {
		// Sign-up signed in directly (SIGNUP_VERIFICATION=off or an older
		// API): check the confirmation page with a link that is never used.
		b.open(t, s.web+"/verify-email?token=not-a-real-token")
		b.waitFor(t, "the confirm button", visible("#form-panel"))
		require.Equal(t, s.web+"/verify-email", eval[string](t, b, `location.href`), "the token left the address bar")
		b.checkPage(t, "verify-email")
	}
	// Every page was served from the web origin and every API call crossed
	// to the API's: the browser asked first (preflight), and the API said yes.
	require.Positive(t, countLogLines(s.apiProc.Output(), `"method":"OPTIONS"`), "no preflight reached the API")
	require.Zero(t, countLogLines(s.apiProc.Output(), `"status":403`), "the API refused the web origin")

	errs, expected := b.consoleErrors()
	require.Empty(t, errs, "console errors")
	t.Logf("API answers of 4xx the pages handled (the browser notes them in the console): %d", len(expected))
}
