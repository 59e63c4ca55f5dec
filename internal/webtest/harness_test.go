package webtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/stack"
	"github.com/todoapp/resetmail/internal/testdb"
	"github.com/todoapp/resetmail/internal/testutil"
)

// inCI is true where a missing browser or axe-core is a failure, not a skip.
var inCI = os.Getenv("CI") == "true"

// skipOrFail skips the test on a developer machine and fails it in CI.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if inCI {
		t.Fatalf("CI=true: "+format, args...)
	}
	t.Skipf(format, args...)
}

// repoRoot is two levels up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return root
}

// binaries are built once for the package.
type binaries struct {
	stack.Binaries
	Webdev  string
	Mailpit string
}

// build holds the binaries, built once for the package.
var build stack.SharedBuild

func TestMain(m *testing.M) {
	code := m.Run()
	build.Remove()
	os.Exit(code)
}

func built(t *testing.T) binaries {
	t.Helper()
	root := repoRoot(t)
	bins, dir, err := build.Get("webtest", 10*time.Minute, func(ctx context.Context, dir string) error {
		// webdev lives in the tools module, as `make run` builds it.
		cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "webdev"), "./webdev")
		cmd.Dir = filepath.Join(root, "internal", "tools")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./webdev: %w\n%s", err, msg)
		}
		// Mailpit with its inbox UI, built the one way `make mailpit`
		// builds it (the Go module alone serves a blank page).
		cmd = exec.CommandContext(ctx, filepath.Join(root, ".ci", "build-mailpit"), filepath.Join(dir, "mailpit"))
		cmd.Dir = root
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf(".ci/build-mailpit: %w\n%s", err, msg)
		}
		return nil
	})
	require.NoError(t, err)
	return binaries{Binaries: bins, Webdev: filepath.Join(dir, "webdev"), Mailpit: filepath.Join(dir, "mailpit")}
}

// site is one running stack: Mailpit, the API, a worker and webdev serving
// web/, the app and the API on different origins.
type site struct {
	web     string // the web app's origin, e.g. http://127.0.0.1:41234
	api     string // the API's base URL, on another port
	mailpit string // Mailpit's HTTP API
	apiProc *stack.Process
	client  *http.Client
}

func startSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	b := built(t)
	db := testdb.New(t)
	client := &http.Client{Timeout: 10 * time.Second}

	smtpPort, mailURL := startMailpit(t, b.Mailpit, client)

	// The API must know the web app's origin (FRONTEND_URL) before it
	// starts, and webdev the API's URL: the test binds webdev's socket
	// first and hands it over, so no other process can take the port.
	webLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	webFile, err := webLn.(*net.TCPListener).File()
	require.NoError(t, err)
	webLn.Close()
	t.Cleanup(func() { webFile.Close() })
	web := "http://" + webLn.Addr().String()
	env := stack.Env{
		"DATABASE_URL":         db.URL,
		"PORT":                 "0",
		"JWT_SECRET":           testutil.Secret("webtest-jwt-secret", 48),
		"RESET_TOKEN_KEY":      testutil.Secret("webtest-reset-key", 48),
		"FRONTEND_URL":         web, // CORS_ALLOWED_ORIGINS defaults to its origin
		"LOG_LEVEL":            "info",
		"SMTP_HOST":            "127.0.0.1",
		"SMTP_PORT":            strconv.Itoa(smtpPort),
		"SMTP_TLS":             "none",
		"SMTP_FROM":            "Todo <no-reply@example.com>",
		"WORKER_HTTP_ADDR":     "127.0.0.1:0",
		"RESET_EMAIL_INTERVAL": "0s",
	}
	api, err := stack.StartAPI(ctx, "api", b.API, env)
	require.NoError(t, err)
	t.Cleanup(func() { _ = api.Stop(15 * time.Second) })
	worker, err := stack.StartWorker(ctx, "worker", b.Worker, env)
	require.NoError(t, err)
	t.Cleanup(func() { _ = worker.Stop(15 * time.Second) })
	apiURL := "http://" + api.Addr

	webdev := startProcess(t, "webdev", b.Webdev, []*os.File{webFile},
		"-listen-fd", "3", "-dir", filepath.Join(repoRoot(t), "web"), "-api", apiURL)
	webFile.Close()
	waitHTTP(t, client, web+"/", webdev)

	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("api output:\n%s", api.Output())
			t.Logf("worker output:\n%s", worker.Output())
		}
	})
	return &site{web: web, api: apiURL, mailpit: mailURL, apiProc: api, client: client}
}

// process is a child whose output is kept for failure reports.
type process struct {
	name string
	cmd  *exec.Cmd
	out  testutil.LogBuffer
	done chan struct{}
}

// Output is everything the process wrote to stdout and stderr.
func (p *process) Output() string { return p.out.String() }

// startProcess starts bin; files become its descriptors 3, 4…
func startProcess(t *testing.T, name, bin string, files []*os.File, args ...string) *process {
	t.Helper()
	p := &process{name: name, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	p.cmd.ExtraFiles = files
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	require.NoError(t, p.cmd.Start(), "start %s", name)
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.Output())
		}
	})
	return p
}

// waitHTTP waits until url answers 200, or p exits.
func waitHTTP(t *testing.T, c *http.Client, url string, p *process) {
	t.Helper()
	if err := tryWaitHTTP(c, url, p); err != nil {
		t.Fatal(err)
	}
}

func tryWaitHTTP(c *http.Client, url string, p *process) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready:\n%s", p.name, p.Output())
		default:
		}
		if resp, err := c.Get(url); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready at %s after 30s:\n%s", p.name, url, p.Output())
}

// startMailpit runs Mailpit on free ports. Mailpit cannot take a socket or
// report the port it bound, so the ports are chosen first; if another
// process takes one in between, Mailpit exits and is started again.
func startMailpit(t *testing.T, bin string, c *http.Client) (smtpPort int, httpURL string) {
	t.Helper()
	var err error
	for range 5 {
		smtpPort = freePort(t)
		httpURL = "http://127.0.0.1:" + strconv.Itoa(freePort(t))
		p := startProcess(t, "mailpit", bin, nil,
			"--smtp", "127.0.0.1:"+strconv.Itoa(smtpPort), "--listen", strings.TrimPrefix(httpURL, "http://"),
			"--database", filepath.Join(t.TempDir(), "mailpit.db"))
		if err = tryWaitHTTP(c, httpURL+"/api/v1/info", p); err == nil && strings.Contains(p.Output(), strconv.Itoa(smtpPort)) {
			return smtpPort, httpURL
		}
		_ = p.cmd.Process.Kill()
	}
	t.Fatalf("mailpit did not start: %v", err)
	return 0, ""
}

// freePort asks the kernel for a free loopback port and releases it.
func freePort(t *testing.T) int {
	t.Helper()
	port, err := testutil.FreePort()
	require.NoError(t, err)
	return port
}

// linkPattern finds links to FRONTEND_URL/<page>?token=… in a mail.
var linkPattern = regexp.MustCompile(`https?://[^\s"'<>]+/(reset-password|verify-email)\?token=[A-Za-z0-9_\-.~%]+`)

// waitLink waits for the newest mail to addr that carries a link to page,
// newer than the first skip such mails, and returns the link.
func (s *site) waitLink(t *testing.T, addr, page string, skip int) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var links []string
		for _, mail := range s.mails(t, addr) {
			text := s.mailText(t, mail.ID)
			for _, m := range linkPattern.FindAllStringSubmatch(text, -1) {
				if m[1] == page {
					links = append(links, m[0])
					break
				}
			}
		}
		if len(links) > skip {
			return links[0] // newest first
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no %s mail to %s within 30s", page, addr)
	return ""
}

// mailSummary is what Mailpit's search tells of one mail.
type mailSummary struct {
	ID      string `json:"ID"`
	Subject string `json:"Subject"`
}

// mails lists the mails to addr, newest first.
func (s *site) mails(t *testing.T, addr string) []mailSummary {
	t.Helper()
	var res struct {
		Messages []mailSummary `json:"messages"`
	}
	s.getJSON(t, s.mailpit+"/api/v1/search?query="+url.QueryEscape("to:"+addr), &res)
	return res.Messages
}

// newestMail is the newest mail to addr; there must be one.
func (s *site) newestMail(t *testing.T, addr string) mailSummary {
	t.Helper()
	mails := s.mails(t, addr)
	require.NotEmpty(t, mails, "no mail to %s", addr)
	return mails[0]
}

// mailSubject is the subject of the newest mail to addr.
func (s *site) mailSubject(t *testing.T, addr string) string {
	t.Helper()
	return s.newestMail(t, addr).Subject
}

// mailHeader is one header of the newest mail to addr.
func (s *site) mailHeader(t *testing.T, addr, name string) string {
	t.Helper()
	var h map[string][]string
	s.getJSON(t, s.mailpit+"/api/v1/message/"+url.PathEscape(s.newestMail(t, addr).ID)+"/headers", &h)
	if v := h[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (s *site) mailText(t *testing.T, id string) string {
	t.Helper()
	var msg struct {
		Text string `json:"Text"`
		HTML string `json:"HTML"`
	}
	s.getJSON(t, s.mailpit+"/api/v1/message/"+url.PathEscape(id), &msg)
	return msg.Text + "\n" + msg.HTML
}

func (s *site) getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := s.client.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, u)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}

// apiStatus calls the API as a server would (no Origin) and returns the status.
func (s *site) apiStatus(t *testing.T, method, path, bearer string) int {
	t.Helper()
	req, err := http.NewRequest(method, s.api+path, nil)
	require.NoError(t, err)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := s.client.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// countLogLines counts the API's JSON log lines that contain every part.
func countLogLines(out string, parts ...string) int {
	n := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1024*1024), 1024*1024)
next:
	for sc.Scan() {
		for _, p := range parts {
			if !strings.Contains(sc.Text(), p) {
				continue next
			}
		}
		n++
	}
	return n
}
