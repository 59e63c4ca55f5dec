package webtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// These checks need no browser: they hold web/ to what makes it deployable
// as static files under a strict Content-Security-Policy.

func webFiles(t *testing.T, ext string) map[string]string {
	t.Helper()
	root := filepath.Join(repoRoot(t), "web")
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ext {
			return err
		}
		raw, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = string(raw)
		return err
	}))
	require.NotEmpty(t, out)
	return out
}

var (
	inlineScript  = regexp.MustCompile(`(?is)<script\b[^>]*>\s*[^<\s]`)
	scriptTag     = regexp.MustCompile(`(?is)<script\b([^>]*)>`)
	inlineStyle   = regexp.MustCompile(`(?i)<style\b|\sstyle\s*=`)
	inlineHandler = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	jsURL         = regexp.MustCompile(`(?i)javascript:`)
	localLink     = regexp.MustCompile(`\b(?:href|src)="(/[^"#?]*)`)
)

func TestPagesNeedNoInlineCode(t *testing.T) {
	t.Parallel()
	for name, html := range webFiles(t, ".html") {
		require.NotRegexp(t, inlineScript, html, "%s: inline script", name)
		require.NotRegexp(t, inlineStyle, html, "%s: inline style", name)
		require.NotRegexp(t, inlineHandler, html, "%s: inline event handler", name)
		require.NotRegexp(t, jsURL, html, "%s: javascript: URL", name)
		for _, m := range scriptTag.FindAllStringSubmatch(html, -1) {
			require.Contains(t, m[1], `type="module"`, "%s: scripts are modules", name)
			require.Contains(t, m[1], `src="/`, "%s: scripts come from this site", name)
		}
	}
	for name, js := range webFiles(t, ".js") {
		// Text goes in with textContent; innerHTML would need Trusted Types
		// and escaping to be safe with task titles and names.
		require.NotContains(t, js, "innerHTML", name)
		require.NotContains(t, js, "eval(", name)
		require.NotContains(t, js, "localStorage", "%s: tokens stay out of localStorage", name)
	}
}

func TestPagesAreAccessibleAndPhoneReady(t *testing.T) {
	t.Parallel()
	for name, html := range webFiles(t, ".html") {
		require.Contains(t, html, `<html lang="en">`, name)
		require.Contains(t, html, `<meta name="viewport" content="width=device-width, initial-scale=1">`, name)
		require.Contains(t, html, `<meta name="referrer" content="no-referrer">`, name)
		require.Regexp(t, `<title>[^<]+</title>`, html, name)
		require.Contains(t, html, `<main`, name)
		// Every input has a label.
		for _, id := range regexp.MustCompile(`<input[^>]*\sid="([^"]+)"`).FindAllStringSubmatch(html, -1) {
			require.Contains(t, html, `<label for="`+id[1]+`"`, "%s: #%s has no label", name, id[1])
		}
	}
}

func TestLinksPointAtFilesThatExist(t *testing.T) {
	t.Parallel()
	root := filepath.Join(repoRoot(t), "web")
	pages := webFiles(t, ".html")
	for name, html := range pages {
		for _, m := range localLink.FindAllStringSubmatch(html, -1) {
			p := strings.TrimPrefix(m[1], "/")
			if p == "" {
				p = "index"
			}
			_, errFile := os.Stat(filepath.Join(root, p))
			_, errPage := os.Stat(filepath.Join(root, p+".html"))
			require.True(t, errFile == nil || errPage == nil, "%s links to %s, which does not exist", name, m[1])
		}
	}
}

func TestVercelJSONSetsTheSecurityHeaders(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "web", "vercel.json"))
	require.NoError(t, err)
	var cfg struct {
		CleanURLs bool `json:"cleanUrls"`
		Headers   []struct {
			Source  string `json:"source"`
			Headers []struct{ Key, Value string }
		} `json:"headers"`
	}
	require.NoError(t, json.Unmarshal(raw, &cfg))
	require.True(t, cfg.CleanURLs, "links are /reset-password, not /reset-password.html")
	all := map[string]string{}
	noStore := ""
	for _, rule := range cfg.Headers {
		for _, h := range rule.Headers {
			if rule.Source == "/(.*)" {
				all[h.Key] = h.Value
			}
			if h.Key == "Cache-Control" && h.Value == "no-store" {
				noStore = rule.Source
			}
		}
	}
	csp := all["Content-Security-Policy"]
	require.Contains(t, csp, "default-src 'none'")
	require.Contains(t, csp, "script-src 'self'")
	require.Contains(t, csp, "frame-ancestors 'none'")
	require.NotContains(t, csp, "unsafe-inline")
	require.NotContains(t, csp, "unsafe-eval")
	require.Equal(t, "no-referrer", all["Referrer-Policy"])
	require.Equal(t, "nosniff", all["X-Content-Type-Options"])
	require.Equal(t, "DENY", all["X-Frame-Options"])
	require.Equal(t, "/(reset-password|verify-email)", noStore, "pages that carry a token are not cached")
}
