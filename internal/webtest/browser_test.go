package webtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
)

// browser is one Chromium tab with everything it wrote to its console.
type browser struct {
	ctx     context.Context
	site    *site
	axe     string // axe.min.js, or "" when not installed
	shots   string // WEB_SCREENSHOTS_DIR, or ""
	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// chromiumPath finds Debian's Chromium, or skips (fails in CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	skipOrFail(t, "no Chromium on this machine (apt-get install -y chromium, or .ci/web-test-deps)")
	return ""
}

// openSite begins every browser test: it skips under -short, looks for
// Chromium before the slow start of the stack (so a machine without it
// skips, or fails in CI, at once), then starts the stack and a browser that
// prefers the languages lang names.
func openSite(t *testing.T, lang ...string) (*site, *browser) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser and the whole stack")
	}
	chromiumPath(t)
	s := startSite(t)
	return s, newBrowser(t, s, lang...)
}

// axeSource reads axe-core as .ci/web-test-deps installs it.
func axeSource(t *testing.T) string {
	t.Helper()
	p := filepath.Join("axe", "node_modules", "axe-core", "axe.min.js")
	src, err := os.ReadFile(p)
	if err != nil {
		if inCI {
			t.Fatalf("CI=true: axe-core is not installed (%v); run .ci/web-test-deps", err)
		}
		t.Logf("axe-core is not installed (%v): the accessibility checks are SKIPPED; run .ci/web-test-deps to install it", err)
		return ""
	}
	return string(src)
}

// newBrowser starts Chromium for s. lang, if given, is the browser's
// language preference (navigator.languages and Accept-Language), e.g. "de-DE,de".
func newBrowser(t *testing.T, s *site, lang ...string) *browser {
	t.Helper()
	exe := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		// Without these Chromium dials out on start (updates, sync, QUIC
		// probes); on a closed network those connections are refused and
		// slow everything down.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 800),
	)
	if len(lang) > 0 {
		opts = append(opts, chromedp.Flag("lang", strings.Split(lang[0], ",")[0]), chromedp.Flag("accept-lang", lang[0]))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	ctx, cancelTimeout := context.WithTimeout(ctx, 6*time.Minute)
	t.Cleanup(cancelTimeout)

	b := &browser{ctx: ctx, site: s, axe: axeSource(t), shots: os.Getenv("WEB_SCREENSHOTS_DIR")}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)))
	return b
}

// do runs actions, failing the test on error.
func (b *browser) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(b.ctx, actions...))
}

func (b *browser) open(t *testing.T, url string) {
	t.Helper()
	b.do(t, chromedp.Navigate(url))
}

// eval evaluates a JavaScript expression.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, expr)
	return v
}

// waitFor waits until the expression is true. Unlike chromedp.Poll it
// survives navigations, which most steps here cause.
func (b *browser) waitFor(t *testing.T, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool]("Boolean("+expr+")"))
		if err == nil && ok {
			return
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	page, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
	t.Fatalf("waiting for %s (%s): not true after 20s (last error: %v); page:\n%s", what, expr, lastErr, page)
}

// text is the visible text of the first element matching a CSS selector.
func (b *browser) text(t *testing.T, sel string) string {
	t.Helper()
	return eval[string](t, b, fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ""`, sel))
}

func (b *browser) typeInto(t *testing.T, sel, text string) {
	t.Helper()
	b.onNode(t, chromedp.SendKeys(chromedp.CSS(sel), text))
}

func (b *browser) click(t *testing.T, sel string) {
	t.Helper()
	b.onNode(t, chromedp.Click(chromedp.CSS(sel)))
}

// onNode runs an action on an element, trying again while chromedp still
// holds the node IDs of the page before a script-driven navigation.
func (b *browser) onNode(t *testing.T, a chromedp.Action[chromedp.Void]) {
	t.Helper()
	// The page's modules run before readyState is "complete"; what they
	// show at start (a notice above the form) must not move the target
	// between finding it and clicking it.
	b.waitFor(t, "the page's scripts to have run", `document.readyState === "complete"`)
	var err error
	for range 50 {
		if err = chromedp.Do(b.ctx, a); err == nil || !strings.Contains(err.Error(), "Could not find node") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.NoError(t, err)
}

// visible reports whether the panel (or any element) is shown.
func visible(sel string) string {
	return fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && !e.closest("[hidden]") && e.getClientRects().length > 0 })()`, sel)
}

// axeViolation is one serious or critical axe-core finding.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// checkPage runs axe-core in the page and, when asked, saves screenshots at
// desktop and phone widths.
func (b *browser) checkPage(t *testing.T, name string) {
	t.Helper()
	b.axeCheck(t, name)
	b.screenshot(t, name)
}

// axeCheck runs axe-core in the page: no serious or critical violations.
func (b *browser) axeCheck(t *testing.T, name string) {
	t.Helper()
	if b.axe != "" {
		b.do(t, chromedp.Evaluate[chromedp.Void](b.axe))
		raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]byte](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
			r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
			 .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))})))`,
			chromedp.EvalAwaitPromise))
		require.NoError(t, err, "axe on %s", name)
		var found []axeViolation
		require.NoError(t, json.Unmarshal(raw, &found))
		require.Empty(t, found, "axe-core: serious or critical violations on %s", name)
	}
}

// screenshot saves the page at desktop and phone widths into
// WEB_SCREENSHOTS_DIR, when it is set.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	if b.shots == "" {
		return
	}
	for _, v := range []struct {
		suffix string
		w, h   int64
		opts   []chromedp.EmulateViewportOption
	}{
		{"desktop", 1280, 800, nil},
		{"phone", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateMobile, chromedp.EmulateScale(2)}},
	} {
		b.do(t, chromedp.EmulateViewport(v.w, v.h, v.opts...))
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(b.shots, "web-"+name+"-"+v.suffix+".png"), png, 0o644))
	}
	b.do(t, chromedp.EmulateViewport(1280, 800))
}

// consoleErrors is every error the pages wrote to the console, except the
// browser's own note on an API answer of 4xx: the pages handle those (an
// expired link, a revoked session) and say so on the page.
func (b *browser) consoleErrors() (errs, expected []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException {
			continue
		}
		if strings.HasPrefix(m.URL, b.site.mailpit+"/") {
			continue // Mailpit's own page, not ours
		}
		line := fmt.Sprintf("%s %s (%s)", m.Type, m.Text, m.URL)
		if m.Source == "network" && strings.HasPrefix(m.URL, b.site.api+"/") && strings.Contains(m.Text, "status of 4") {
			expected = append(expected, line)
			continue
		}
		errs = append(errs, line)
	}
	return errs, expected
}

// clearField empties an input as select-all and delete would.
// (chromedp.Clear resets the value attribute, which a typed-in field ignores.)
func clearField(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(e => { e.value = ""; e.dispatchEvent(new Event("input", {bubbles: true})) })(document.querySelector(%q))`, sel))
}

// setSession puts an access token where the pages keep it.
func setSession(token string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`sessionStorage.setItem("todo.access_token", %q)`, token))
}

// tabOrder presses Tab n times from the top of the page and names each
// element that gets focus: its id, or else its text.
func (b *browser) tabOrder(t *testing.T, n int) []string {
	t.Helper()
	b.do(t, chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur(); window.getSelection().removeAllRanges()`))
	var got []string
	for range n {
		b.do(t, chromedp.KeyEvent(kb.Tab))
		got = append(got, eval[string](t, b, `(e => e.id || e.innerText.trim())(document.activeElement)`))
	}
	return got
}
