package packaging

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The tests in docker_test.go build the real images and run real containers.
// They need a Docker engine with the buildx and compose plugins and the local
// base images, which `make docker-test` provides (.ci/ensure-docker,
// .ci/docker-images) before it sets DOCKER_TESTS=1.
const dockerTestsVar = "DOCKER_TESTS"

// Image names: the ones docker-compose.yml gives its builds, so that the
// compose test and the hardened-run test exercise the same images.
const (
	apiImage      = "todo-resetmail-api:dev"
	workerImage   = "todo-resetmail-worker:dev"
	postgresImage = "todo-ci/postgres:15"
	mailpitImage  = "todo-ci/mailpit:local"
	ciOverride    = ".ci/compose.ci.yml"
)

// hardened is how the release images must run: no writable root file
// system, no capability, no privilege gained through exec.
var hardened = []string{"--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"}

func needDocker(t *testing.T) {
	t.Helper()
	if os.Getenv(dockerTestsVar) == "" {
		t.Skipf("builds and runs the real images; `make docker-test` starts Docker, makes the base images and sets %s=1", dockerTestsVar)
	}
	out, err := exec.Command("docker", "version", "-f", "{{.Server.Version}}").CombinedOutput()
	require.NoError(t, err, "%s is set but no Docker engine answers (.ci/ensure-docker starts one):\n%s", dockerTestsVar, out)
}

// dockerCmd runs the docker CLI in the repository root and returns its
// standard output, trimmed; it fails the test with both outputs on error.
func dockerCmd(t *testing.T, args ...string) string {
	t.Helper()
	out, err := dockerTry(t, args...)
	require.NoError(t, err, "docker %s:\n%s", strings.Join(args, " "), out)
	return out
}

func dockerTry(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("docker", args...)
	cmd.Dir = repoRoot(t)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return strings.TrimSpace(stdout.String() + "\n" + stderr.String()), err
	}
	return strings.TrimSpace(stdout.String()), nil
}

// suffix keeps names of this run's containers, networks and compose project
// apart from any other run on the same engine.
func suffix(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// buildImage builds one release image from its Dockerfile with BuildKit.
func buildImage(t *testing.T, dockerfile, tag string) {
	t.Helper()
	dockerCmd(t, "buildx", "build", "--load", "-q", "-f", dockerfile, "--build-arg", "VERSION=dockertest", "-t", tag, ".")
}

// hostPort is the 127.0.0.1 address Docker published a container port on.
func hostPort(t *testing.T, container, port string) string {
	t.Helper()
	out := dockerCmd(t, "port", container, port)
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "127.0.0.1:") {
			return line
		}
	}
	t.Fatalf("%s: port %s is not published on 127.0.0.1: %q", container, port, out)
	return ""
}

// waitHealthy waits for Docker's own HEALTHCHECK to call the container
// healthy, and fails at once if it says unhealthy or the container stops.
func waitHealthy(t *testing.T, container string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		state := dockerCmd(t, "inspect", "-f", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", container)
		switch {
		case state == "running healthy":
			return
		case strings.HasSuffix(state, "unhealthy") || !strings.HasPrefix(state, "running"):
			t.Fatalf("%s: %s\n%s", container, state, containerLogs(t, container))
		case time.Now().After(deadline):
			t.Fatalf("%s: still %q after %s\n%s", container, state, limit, containerLogs(t, container))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func containerLogs(t *testing.T, container string) string {
	t.Helper()
	out, _ := dockerTry(t, "logs", "--tail", "40", container)
	return out
}

// waitFor polls check until it returns true, or fails after limit.
func waitFor(t *testing.T, limit time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// figure logs a measured duration in the form .ci/docker-figures collects.
func figure(t *testing.T, name string, d time.Duration) {
	t.Helper()
	t.Logf("FIGURE %s: %.1f s", name, d.Seconds())
}

// apiClient speaks the public API of a running container.
type apiClient struct {
	base string
}

type apiResponse struct {
	status int
	raw    []byte
	body   map[string]any
}

// post sends a JSON request. A 429 from the API's per-IP limits (every
// request here comes from one address) is waited out as its Retry-After
// asks, as a well-behaved client would; the users' settings stay untouched.
func (c apiClient) post(t *testing.T, path string, body any) apiResponse {
	t.Helper()
	for {
		r := c.postOnce(t, path, body)
		if r.status != http.StatusTooManyRequests {
			return r
		}
		wait := 1
		if e, ok := r.body["error"].(map[string]any); ok {
			if d, ok := e["details"].(map[string]any); ok {
				if s, ok := d["retry_after_seconds"].(float64); ok && s > 0 {
					wait = int(s)
				}
			}
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("%s: still rate limited when the test ended", path)
		case <-time.After(time.Duration(wait) * time.Second):
		}
	}
}

func (c apiClient) postOnce(t *testing.T, path string, body any) apiResponse {
	t.Helper()
	buf, err := json.Marshal(body)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(buf))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	r := apiResponse{status: resp.StatusCode, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func (c apiClient) ready() bool {
	resp, err := http.Get(c.base + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// register signs a user up as the web app does. With the default
// SIGNUP_VERIFICATION=required the API answers 202 and mails a link; the
// account exists once that link's token is posted to verify-email with the
// password chosen at sign-up.
func (c apiClient) register(t *testing.T, inbox mailpitClient, email, password string) {
	t.Helper()
	r := c.post(t, "/api/auth/register", map[string]string{"email": email, "password": password, "name": "Docker"})
	if r.status == http.StatusCreated {
		return
	}
	require.Equal(t, http.StatusAccepted, r.status, string(r.raw))
	token := linkToken(t, inbox.waitText(t, email, "verify-email?token="), "verify-email?token=")
	r = c.post(t, "/api/auth/verify-email", map[string]string{"token": token, "password": password})
	require.Equal(t, http.StatusCreated, r.status, string(r.raw))
}

func (c apiClient) forgot(t *testing.T, email string) {
	t.Helper()
	r := c.post(t, "/api/auth/forgot-password", map[string]string{"email": email})
	require.Equal(t, http.StatusAccepted, r.status, string(r.raw))
}

func (c apiClient) loginStatus(t *testing.T, email, password string) int {
	t.Helper()
	return c.post(t, "/api/auth/login", map[string]string{"email": email, "password": password}).status
}

// mailpitClient reads Mailpit's inbox through its HTTP API.
type mailpitClient struct {
	base string
}

type mailpitMessage struct {
	ID        string `json:"ID"`
	MessageID string `json:"MessageID"`
	Subject   string `json:"Subject"`
	To        []struct {
		Address string `json:"Address"`
	} `json:"To"`
}

func (m mailpitClient) get(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(m.base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, path)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}

// requireInboxUI checks that the inbox page has its bundle: without it
// (a plain `go build` of the module) the page is blank, while the JSON API
// that the other checks read works all the same.
func (m mailpitClient) requireInboxUI(t *testing.T) {
	t.Helper()
	for _, path := range []string{"/dist/app.js", "/dist/app.css"} {
		resp, err := http.Get(m.base + path)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "the inbox's %s", path)
		require.NotEmpty(t, body, path)
	}
}

func (m mailpitClient) messages(t *testing.T) []mailpitMessage {
	t.Helper()
	var list struct {
		Messages []mailpitMessage `json:"messages"`
	}
	m.get(t, "/api/v1/messages?limit=1000", &list)
	return list.Messages
}

// to returns the messages addressed to one recipient.
func (m mailpitClient) to(t *testing.T, address string) []mailpitMessage {
	t.Helper()
	var out []mailpitMessage
	for _, msg := range m.messages(t) {
		for _, to := range msg.To {
			if strings.EqualFold(to.Address, address) {
				out = append(out, msg)
			}
		}
	}
	return out
}

func (m mailpitClient) text(t *testing.T, id string) string {
	t.Helper()
	var msg struct {
		Text string `json:"Text"`
	}
	m.get(t, "/api/v1/message/"+id, &msg)
	return msg.Text
}

// withLink returns the texts of the messages to address that carry link, a
// marker such as "reset-password?token=": sign-up and reset mails share an
// inbox.
func (m mailpitClient) withLink(t *testing.T, address, link string) []string {
	t.Helper()
	var out []string
	for _, msg := range m.to(t, address) {
		if text := m.text(t, msg.ID); strings.Contains(text, link) {
			out = append(out, text)
		}
	}
	return out
}

// waitText waits for the one message to address that carries link and
// returns its text.
func (m mailpitClient) waitText(t *testing.T, address, link string) string {
	t.Helper()
	var texts []string
	waitFor(t, 60*time.Second, "a mail with "+link+" in Mailpit", func() bool {
		texts = m.withLink(t, address, link)
		return len(texts) > 0
	})
	require.Len(t, texts, 1, "one mail with %s to %s", link, address)
	return texts[0]
}

// resetFlow runs the whole password reset through a running stack: register,
// forgot-password, the mail in Mailpit, reset with the link's token, then log
// in with the new password and not with the old one.
func resetFlow(t *testing.T, api apiClient, inbox mailpitClient, email string) {
	t.Helper()
	const oldPassword, newPassword = "old docker password", "new docker password"
	api.register(t, inbox, email, oldPassword)
	api.forgot(t, email)
	token := linkToken(t, inbox.waitText(t, email, "reset-password?token="), "reset-password?token=")

	r := api.post(t, "/api/auth/reset-password", map[string]string{"token": token, "new_password": newPassword})
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	require.Equal(t, http.StatusOK, api.loginStatus(t, email, newPassword))
	require.Equal(t, http.StatusUnauthorized, api.loginStatus(t, email, oldPassword))
}

// linkToken takes the token out of the link in a mail's text; link is the
// part before the token, such as "reset-password?token=".
func linkToken(t *testing.T, text, link string) string {
	t.Helper()
	i := strings.Index(text, link)
	require.GreaterOrEqual(t, i, 0, "no %s link in:\n%s", link, text)
	tok := text[i+len(link):]
	if j := strings.IndexAny(tok, " \r\n)>\"&"); j >= 0 {
		tok = tok[:j]
	}
	require.NotEmpty(t, tok)
	return tok
}

// envArgs turns an environment map into `-e KEY=VALUE` arguments.
func envArgs(env map[string]string, extra ...string) []string {
	var args []string
	for k, v := range env {
		args = append(args, "-e", fmt.Sprintf("%s=%s", k, v))
	}
	for _, kv := range extra {
		args = append(args, "-e", kv)
	}
	return args
}
