package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serve runs webdev on a free port over the repository's web/ and returns
// its base URL.
func serve(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	dir := filepath.Join("..", "..", "..", "web")
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-dir", dir}, args...), pw)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		var line struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "webdev listening" {
			go func() { _, _ = io.Copy(io.Discard, pr) }()
			return "http://" + line.Addr
		}
	}
	t.Fatalf("webdev stopped before it listened: %v", <-done)
	return ""
}

var client = &http.Client{
	Timeout:       5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func get(t *testing.T, method, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestCleanURLsAsOnVercel(t *testing.T) {
	t.Parallel()
	base := serve(t, "-api", "http://127.0.0.1:9")
	for _, tc := range []struct {
		path, want string
		status     int
		location   string
	}{
		{path: "/", status: 200, want: "<title>Your tasks"},
		{path: "/sign-in", status: 200, want: "<title>Sign in"},
		{path: "/reset-password?token=abc", status: 200, want: "<title>Set a new password"},
		{path: "/sign-in.html?x=1", status: 308, location: "/sign-in?x=1"},
		{path: "/index.html", status: 308, location: "/"},
		{path: "/sign-in/", status: 308, location: "/sign-in"},
		{path: "/no-such-page", status: 404, want: "Page not found"},
		{path: "/vercel.json", status: 404},
		{path: "/.git/config", status: 404},
		{path: "/js/api.js", status: 200, want: "export async function api"},
	} {
		resp, body := get(t, http.MethodGet, base+tc.path)
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s: status %d, want %d", tc.path, resp.StatusCode, tc.status)
		}
		if tc.want != "" && !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: body lacks %q", tc.path, tc.want)
		}
		if got := resp.Header.Get("Location"); got != tc.location {
			t.Errorf("GET %s: Location %q, want %q", tc.path, got, tc.location)
		}
	}
}

func TestHeadersFromVercelJSON(t *testing.T) {
	t.Parallel()
	base := serve(t, "-api", "http://127.0.0.1:9/")
	resp, _ := get(t, http.MethodGet, base+"/reset-password?token=abc")
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "connect-src http://127.0.0.1:9", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	for k, want := range map[string]string{
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	// Pages other than the two token links may be cached (and revalidated).
	resp, _ = get(t, http.MethodGet, base+"/sign-in")
	if got := resp.Header.Get("Cache-Control"); got == "no-store" {
		t.Errorf("/sign-in: Cache-Control %q", got)
	}
}

// TestConfigNamesTheAPI checks config.js, which the pages import for the
// API's address, and the CSP's connect-src that must allow that address:
// generated from -api, or the committed file without it.
func TestConfigNamesTheAPI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		api  string
	}{
		{name: "generated from -api", args: []string{"-api", "http://127.0.0.1:9/"}, api: "http://127.0.0.1:9"},
		{name: "as committed", api: "http://localhost:8080"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := serve(t, tc.args...)
			resp, body := get(t, http.MethodGet, base+"/config.js")
			if resp.StatusCode != 200 || !strings.Contains(body, `export const API_URL = "`+tc.api+`";`) {
				t.Fatalf("config.js: %d %q", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
				t.Errorf("config.js Content-Type %q", ct)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src "+tc.api) {
				t.Errorf("CSP %q does not name config.js's API", csp)
			}
		})
	}
}

func TestScannerMethodsChangeNothingAndOthersAreRefused(t *testing.T) {
	t.Parallel()
	base := serve(t, "-api", "http://127.0.0.1:9")
	resp, body := get(t, http.MethodHead, base+"/reset-password?token=abc")
	if resp.StatusCode != 200 || body != "" {
		t.Errorf("HEAD: %d with %d bytes", resp.StatusCode, len(body))
	}
	resp, _ = get(t, http.MethodPost, base+"/reset-password?token=abc")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}

func TestVercelJSONThatWebdevCannotImitateIsRefused(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"/:slug", "/(a", "no-slash"} {
		if _, err := sourcePattern(src); err == nil {
			t.Errorf("sourcePattern(%q): no error", src)
		}
	}
	re, err := sourcePattern("/(reset-password|verify-email)")
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{"/reset-password": true, "/verify-email": true, "/sign-in": false, "/reset-password/x": false} {
		if re.MatchString(p) != want {
			t.Errorf("%s: match %v", p, !want)
		}
	}
}

func TestServesOnAnInheritedSocket(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	base := serve(t, "-listen-fd", strconv.Itoa(int(f.Fd())), "-api", "http://127.0.0.1:9")
	if want := "http://" + ln.Addr().String(); base != want {
		t.Fatalf("listening on %s, want %s", base, want)
	}
	if resp, _ := get(t, http.MethodGet, base+"/sign-in"); resp.StatusCode != 200 {
		t.Fatalf("GET /sign-in: %d", resp.StatusCode)
	}
}
