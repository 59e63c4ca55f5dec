package webtest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/locale"
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

// TestAccountLanguage: a browser whose languages are none of ours (Italian)
// gets English until it signs in to an account whose stored locale is
// German; from then on the pages are German, as that account's mail is.
// It also checks the page's matcher (web/js/i18n.js) against the mail's
// (internal/locale) for every two- and three-letter language code and the
// usual shapes of a tag.
func TestAccountLanguage(t *testing.T) {
	s, b := openSite(t, "it-IT,it")
	const email, password = "giulia@example.com", "una password lunga"

	// The account asked for German mail at sign-up, so German is stored:
	// a sign-up from the page's own API module, naming German.
	b.open(t, s.web+"/sign-up")
	b.waitFor(t, "the English sign-up page", `document.documentElement.lang === "en" && `+visible("#form"))
	body, err := json.Marshal(map[string]string{"email": email, "password": password, "name": "Giulia", "locale": "de"})
	require.NoError(t, err)
	eval[any](t, b, `import("/js/api.js").then((m) => m.api("POST", "/api/auth/register", { body: `+string(body)+` })).then((r) => { window.registered = r.status; }), null`)
	b.waitFor(t, "the sign-up's answer", `window.registered === 202`)
	link := s.waitLink(t, email, "verify-email", 0)
	require.Equal(t, "de", s.mailHeader(t, email, "Content-Language"), "the confirmation mail's language")
	b.open(t, link)
	b.waitFor(t, "the English confirmation page", `document.documentElement.lang === "en" && `+visible("#form-panel"))
	b.typeInto(t, "#password", password+kb.Enter)
	b.waitFor(t, "the German task list", `location.pathname === "/" && document.documentElement.lang === "de" && document.querySelector("h1").innerText === "Deine Aufgaben"`)
	b.click(t, "#sign-out")
	// The notice is in the page's language, no longer the account's.
	b.waitFor(t, "the English sign-in page, signed out", `location.pathname === "/sign-in" && document.documentElement.lang === "en" && document.querySelector("#status").innerText === "You have signed out."`)
	b.typeInto(t, "#email", email)
	b.typeInto(t, "#password", password+kb.Enter)
	b.waitFor(t, "the German task list after sign-in", `location.pathname === "/" && document.documentElement.lang === "de" && document.querySelector("h1").innerText === "Deine Aufgaben"`)
	require.Equal(t, "Neue Aufgabe", b.text(t, `label[for="title"]`))
	b.open(t, s.web+"/forgot-password")
	b.waitFor(t, "German on the next page too, while signed in", `document.documentElement.lang === "de" && document.querySelector("h1").innerText === "Passwort vergessen?"`)

	// The matcher, tag by tag, against internal/locale's.
	var tags []string
	const a = "abcdefghijklmnopqrstuvwxyz"
	for _, x := range a {
		for _, y := range a {
			tags = append(tags, string(x)+string(y))
			for _, z := range a {
				tags = append(tags, string(x)+string(y)+string(z))
			}
		}
	}
	for _, base := range []string{"en", "de", "es", "fr", "gsw", "gl", "br", "bn", "yi", "sq", "it", "pt"} {
		for _, rest := range []string{"-Latn", "-Cyrl", "-Arab", "-US", "-DE", "-419", "-1996", "-Latn-US", "-Cyrl-RU", "-x-priv", "-US-x-priv"} {
			tags = append(tags, base+rest)
		}
	}
	tags = append(tags, "EN-gb", "*", "und", "", "x-klingon")
	raw, err := json.Marshal(tags)
	require.NoError(t, err)
	eval[any](t, b, `import("/js/i18n.js").then((m) => { window.matched = `+string(raw)+`.map((tag) => m.match(tag)); }), null`)
	b.waitFor(t, "the page's matcher", `Array.isArray(window.matched)`)
	got := eval[[]string](t, b, `window.matched`)
	m, err := locale.NewMatcher([]string{"en", "de", "es", "fr"})
	require.NoError(t, err)
	var differ []string
	for i, tag := range tags {
		want, _ := m.Match(tag)
		if got[i] != want {
			differ = append(differ, fmt.Sprintf("%q: page %q, mail %q", tag, got[i], want))
		}
	}
	require.Empty(t, differ, "the page picks languages as the mail does")

	errs, _ := b.consoleErrors()
	require.Empty(t, errs, "console errors")
}
