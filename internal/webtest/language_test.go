package webtest

import (
	"testing"

	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// TestGermanBrowser: a browser that prefers German gets the web app in
// German (<html lang="de"> and the page's words), and the mail that the
// German pages ask for is German too, because they send their language as
// `locale`.
func TestGermanBrowser(t *testing.T) {
	s, b := openSite(t, "de-DE,de")
	const email = "grete@example.com"

	b.open(t, s.web+"/sign-up")
	b.waitFor(t, "the German sign-up page", `document.documentElement.lang === "de" && document.querySelector("h1").innerText === "Konto erstellen"`)
	require.Equal(t, "E-Mail", b.text(t, `label[for="email"]`))
	b.axeCheck(t, "sign-up (de)")
	// An empty form is caught in the page, in German, before any API call.
	b.click(t, `#form button[type="submit"]`)
	b.waitFor(t, "the empty-field errors", `document.querySelector("#email-error").innerText === "Bitte fülle dieses Feld aus."`)

	b.typeInto(t, "#name", "Grete")
	b.typeInto(t, "#email", email)
	b.typeInto(t, "#password", "ein langes Passwort"+kb.Enter)
	b.waitFor(t, "signed in, or asked to confirm the address", `location.pathname === "/" || `+visible("#sent-panel"))
	if eval[string](t, b, `location.pathname`) != "/" {
		link := s.waitLink(t, email, "verify-email", 0)
		require.Equal(t, "de", s.mailHeader(t, email, "Content-Language"), "the confirmation mail's language")
		b.open(t, link)
		b.waitFor(t, "the German confirmation page", `document.documentElement.lang === "de" && `+visible("#form-panel"))
		require.Equal(t, "Bestätige deine E-Mail-Adresse", b.text(t, "#form-panel h1"))
		require.Equal(t, "Noch ein Schritt: Gib das Passwort ein, das du bei der Registrierung gewählt hast.", b.text(t, "#form-panel > p"))
		// The link alone opens nothing (issue 23): the sign-up password, again.
		b.typeInto(t, "#password", "ein langes Passwort"+kb.Enter)
	}
	b.waitFor(t, "the German task list", `location.pathname === "/" && document.querySelector("h1").innerText === "Deine Aufgaben"`)
	b.click(t, "#sign-out")
	b.waitFor(t, "the German sign-in page", `location.pathname === "/sign-in" && document.querySelector("#status").innerText === "Du hast dich abgemeldet."`)

	b.click(t, `a[href="/forgot-password"]`)
	b.waitFor(t, "the German forgot-password page", `location.pathname === "/forgot-password" && document.querySelector("h1").innerText === "Passwort vergessen?"`)
	b.typeInto(t, "#email", email+kb.Enter)
	b.waitFor(t, "the confirmation", visible("#sent-panel"))
	require.Equal(t, "Wenn es für diese Adresse ein Konto gibt, ist ein Link zum Zurücksetzen unterwegs.", b.text(t, "#sent-message"))
	s.waitLink(t, email, "reset-password", 0)
	require.Equal(t, "de", s.mailHeader(t, email, "Content-Language"), "the reset mail's language")
	b.screenshot(t, "forgot-password-sent-de")

	errs, _ := b.consoleErrors()
	require.Empty(t, errs, "console errors")
}
