package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/providertest"
	"github.com/todoapp/resetmail/internal/stack"
	"github.com/todoapp/resetmail/internal/testdb/testdbsqlc"
)

const postmarkHookUser, postmarkHookPass = "postmark-hooks", "postmark webhook password"

// hookBundle is the real API and worker sending through a provider fake,
// with that provider's webhook receiver configured on the API.
type hookBundle struct {
	*testBundle
	kind   string
	srv    *providertest.Server
	secret string
	nextID int64
}

const dashUser, dashPass = "oncall", "dashboard password 1"

func setupHooks(t *testing.T, kind string) *hookBundle {
	t.Helper()
	key := providerKey(kind)
	srv := newProviderServer(t, kind, key)
	secret := providertest.SvixSecret()
	extra := append(providerEnv(srv, kind, key),
		"RESEND_WEBHOOK_SECRET", secret,
		"POSTMARK_WEBHOOK_USERNAME", postmarkHookUser, "POSTMARK_WEBHOOK_PASSWORD", postmarkHookPass,
		"DASHBOARD_USERNAME", dashUser, "DASHBOARD_PASSWORD", dashPass)
	return &hookBundle{testBundle: setup(t, bundleOpts{extra: extra}), kind: kind, srv: srv, secret: secret}
}

// report posts one delivery event about the mail with ID messageID to to,
// signed or authenticated as the provider does: "hard", "soft" or
// "complaint".
func (b *hookBundle) report(t *testing.T, what, messageID, to string) {
	t.Helper()
	now := time.Now()
	b.nextID++
	var path string
	var body []byte
	h := http.Header{}
	switch b.kind {
	case providertest.Resend:
		path = "/api/webhooks/resend"
		typ, bounce := "email.bounced", map[string]string{"hard": "Permanent", "soft": "Transient"}[what]
		if what == "complaint" {
			typ = "email.complained"
		}
		body = providertest.ResendEvent(typ, messageID, to, bounce, now)
		h = providertest.SignSvix(b.secret, fmt.Sprintf("msg_e2e_%d", b.nextID), now, body)
	case providertest.Postmark:
		path = "/api/webhooks/postmark"
		typ := map[string]string{"hard": "HardBounce", "soft": "SoftBounce", "complaint": "SpamComplaint"}[what]
		body = providertest.PostmarkBounce(1000+b.nextID, typ, messageID, to, now)
		r, _ := http.NewRequest(http.MethodPost, "/", nil)
		r.SetBasicAuth(postmarkHookUser, postmarkHookPass)
		h = r.Header
	}
	r := b.doWith(t, http.MethodPost, path, h, json.RawMessage(body))
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
}

// outcomes waits until every reset request for email has left pending and
// returns them, oldest first.
func (b *hookBundle) outcomes(t *testing.T, email string, n int) []testdbsqlc.ResetSendsForRow {
	t.Helper()
	var rows []testdbsqlc.ResetSendsForRow
	require.Eventually(t, func() bool {
		var err error
		rows, err = b.db.Fixtures.ResetSendsFor(context.Background(), b.db.Pool, email)
		require.NoError(t, err)
		if len(rows) != n {
			return false
		}
		for _, r := range rows {
			if r.Outcome == "pending" {
				return false
			}
		}
		return true
	}, 20*time.Second, 50*time.Millisecond)
	return rows
}

// runWorker runs one worker command (suppression, trace, …) against the
// bundle's database and returns its output.
func (b *testBundle) runWorker(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := stack.Run(ctx, built(t).Worker, b.env, args...)
	require.NoError(t, err, out)
	return out
}

// TestBouncesAndComplaintsSuppressTheNextMail: through the Resend and
// Postmark fakes and the real binaries, a hard bounce or a complaint
// reported by the provider's webhook stops the next reset mail to that
// address, and forgot-password answers exactly as for an unknown address;
// a soft bounce stops nothing; `worker suppression remove` lets the next
// one through.
func TestBouncesAndComplaintsSuppressTheNextMail(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ kind, what string }{
		{providertest.Resend, "hard"}, {providertest.Postmark, "complaint"},
	} {
		t.Run(c.kind+"/"+c.what, func(t *testing.T) {
			t.Parallel()
			b := setupHooks(t, c.kind)
			b.register(t, "ada@example.com", "old password 1", "Ada")
			b.register(t, "bob@example.com", "old password 1", "Bob")

			forgot := func(email string) response {
				return b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": email})
			}
			require.Equal(t, http.StatusAccepted, forgot("ada@example.com").status)
			first := waitProviderMail(t, b.srv, 1)
			sent := b.outcomes(t, "ada@example.com", 1)
			require.Equal(t, "sent", sent[0].Outcome)
			require.Equal(t, c.kind, *sent[0].Provider)
			require.Equal(t, first.ID, *sent[0].ProviderMessageID, "the provider's message ID is stored with the send")

			b.report(t, c.what, first.ID, "ada@example.com")

			// The next forgot-password for ada sends nothing and answers
			// exactly as for an address without an account.
			known, unknown := forgot("ada@example.com"), forgot("nobody@example.com")
			require.Equal(t, unknown.status, known.status)
			require.Equal(t, string(unknown.raw), string(known.raw))
			require.Equal(t, "suppressed", b.outcomes(t, "ada@example.com", 2)[1].Outcome)
			require.Equal(t, "no_account", b.outcomes(t, "nobody@example.com", 1)[0].Outcome)
			require.Equal(t, 1, b.srv.Count(), "nothing was sent to the suppressed address")
			// River writes the job's output when the job completes, just
			// after the outcome above.
			require.Eventually(t, func() bool {
				outputs, err := b.db.Fixtures.JobOutputs(context.Background(), b.db.Pool, "password_reset_email")
				require.NoError(t, err)
				return strings.Contains(strings.Join(outputs, "\n"), `"status": "suppressed"`)
			}, 20*time.Second, 50*time.Millisecond, "the job says so in its output")

			// A soft bounce is recorded and suppresses nothing.
			require.Equal(t, http.StatusAccepted, forgot("bob@example.com").status)
			bobMail := waitProviderMail(t, b.srv, 2)
			b.report(t, "soft", bobMail.ID, "bob@example.com")
			require.Equal(t, http.StatusAccepted, forgot("bob@example.com").status)
			waitProviderMail(t, b.srv, 3)
			require.Equal(t, []string{"sent", "sent"}, outcomesOf(b.outcomes(t, "bob@example.com", 2)))

			// The operator sees the address, masked, and lets mail through.
			list := b.runWorker(t, "suppression", "list")
			require.Contains(t, list, "a***@example.com")
			require.NotContains(t, list, "ada@example.com")
			require.Contains(t, b.runWorker(t, "suppression", "list", "--show-addresses"), "ada@example.com")
			b.runWorker(t, "suppression", "remove", "ada@example.com")
			require.Equal(t, http.StatusAccepted, forgot("ada@example.com").status)
			again := waitProviderMail(t, b.srv, 4)
			require.Equal(t, "ada@example.com", again.To)
			require.Equal(t, "sent", b.outcomes(t, "ada@example.com", 3)[2].Outcome)
		})
	}
}

func outcomesOf(rows []testdbsqlc.ResetSendsForRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Outcome
	}
	return out
}

// TestTraceTellsOneMessagesStory: `worker trace <request-id>` shows
// requested → queued → sent (provider, ID) → delivered and bounced, with
// times, and `worker trace <email>` the same plus the suppression.
func TestTraceTellsOneMessagesStory(t *testing.T) {
	t.Parallel()
	b := setupHooks(t, providertest.Resend)
	b.register(t, "ada@example.com", "old password 1", "Ada")
	r := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "ada@example.com"})
	require.Equal(t, http.StatusAccepted, r.status)
	m := waitProviderMail(t, b.srv, 1)
	req := b.outcomes(t, "ada@example.com", 1)[0]

	// Resend reports the delivery, then (say, from a forwarding mailbox)
	// a permanent bounce.
	now := time.Now()
	delivered := providertest.ResendEvent("email.delivered", m.ID, "ada@example.com", "", now)
	h := providertest.SignSvix(b.secret, "msg_trace_1", now, delivered)
	require.Equal(t, http.StatusOK, b.doWith(t, http.MethodPost, "/api/webhooks/resend", h, json.RawMessage(delivered)).status)
	b.report(t, "hard", m.ID, "ada@example.com")

	out := b.runWorker(t, "trace", req.ID.String())
	t.Logf("worker trace %s:\n%s", req.ID, out)
	for _, step := range []string{"requested", "queued", "sent", "resend " + m.ID, "delivered", "hard_bounce", "is suppressed since"} {
		require.Contains(t, out, step)
	}
	require.Less(t, strings.Index(out, "requested"), strings.Index(out, "queued"))
	require.Less(t, strings.Index(out, "queued"), strings.Index(out, " sent "))
	require.Less(t, strings.Index(out, " sent "), strings.Index(out, "delivered"))
	require.NotContains(t, out, "ada@example.com", "addresses are masked by default")

	// The dashboard's page for the send tells the same story.
	jobs, err := b.db.Fixtures.JobArgs(context.Background(), b.db.Pool, "password_reset_email")
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	page := b.dashboard(t, "/admin/sends/"+jobIDOf(t, b, req.ID.String()))
	for _, step := range []string{"What happened to this message", "requested", "queued", "resend " + m.ID, "delivered", "hard_bounce", "a***@example.com is on the suppression list"} {
		require.Contains(t, page, step)
	}
	require.NotContains(t, page, "ada@example.com")
	if dir := os.Getenv("WEB_SCREENSHOTS_DIR"); dir != "" {
		// The page is self-contained (inline CSS): Chromium renders the
		// saved copy into docs/images (see docs/runbook.md for the command).
		require.NoError(t, os.WriteFile(filepath.Join(dir, "dashboard-message-story.html"), []byte(page), 0o644))
	}

	byEmail := b.runWorker(t, "trace", "ada@example.com", "--show-addresses")
	require.Contains(t, byEmail, req.ID.String())
	require.Contains(t, byEmail, "ada@example.com")
	require.Contains(t, byEmail, "hard_bounce")
}

// TestTraceTellsResetAndSignupStories: `worker trace <email>` shows an
// address's sign-up and reset requests together, newest first, each with
// the job of its own kind; `worker trace <sign-up ID>` shows that one.
func TestTraceTellsResetAndSignupStories(t *testing.T) {
	t.Parallel()
	b := setup(t, bundleOpts{extra: signupEnv})
	require.Equal(t, http.StatusAccepted, b.signup(t, "grace@example.com", "a fine password", "Grace").status)
	b.waitMail(t, 1)
	require.Eventually(t, func() bool { return b.signupOutcomes(t, "grace@example.com")["sent"] == 1 }, 20*time.Second, 50*time.Millisecond)
	r := b.do(t, http.MethodPost, "/api/auth/forgot-password", "", map[string]string{"email": "grace@example.com"})
	require.Equal(t, http.StatusAccepted, r.status)
	var reset testdbsqlc.ResetRequestsForRow
	require.Eventually(t, func() bool {
		rows, err := b.db.Fixtures.ResetRequestsFor(context.Background(), b.db.Pool, "grace@example.com")
		require.NoError(t, err)
		if len(rows) != 1 || rows[0].Outcome == "pending" {
			return false
		}
		reset = rows[0]
		return true
	}, 20*time.Second, 50*time.Millisecond)
	require.Equal(t, "no_account", reset.Outcome, "a sign-up not yet verified has no account")

	out := b.runWorker(t, "trace", "grace@example.com", "--show-addresses")
	t.Logf("worker trace grace@example.com:\n%s", out)
	require.True(t, strings.HasPrefix(out, "reset request "+reset.ID.String()+" to grace@example.com: no_account\n"), "the newest first")
	resetStory, signupStory, ok := strings.Cut(out, "\nsignup request ")
	require.True(t, ok, out)
	require.Regexp(t, `queued +job \d+ `, resetStory)
	require.Contains(t, resetStory, "no mail sent")
	require.Regexp(t, `^\S+ to grace@example.com: sent\n`, signupStory)
	require.Regexp(t, `queued +job \d+ `, signupStory)
	require.Regexp(t, `sent +smtp`, signupStory)

	signupID := strings.Fields(signupStory)[0]
	byID := b.runWorker(t, "trace", signupID)
	require.True(t, strings.HasPrefix(byID, "signup request "+signupID+" to g***@example.com: sent\n"), byID)
	require.NotContains(t, byID, "reset request")
}

// dashboard GETs a dashboard page with the on-call credentials.
func (b *hookBundle) dashboard(t *testing.T, path string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+b.api.Addr+path, nil)
	require.NoError(t, err)
	req.SetBasicAuth(dashUser, dashPass)
	resp, err := b.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var sb strings.Builder
	_, err = io.Copy(&sb, resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, sb.String())
	return sb.String()
}

// jobIDOf finds the mail job of a request through the trace's queued step.
func jobIDOf(t *testing.T, b *hookBundle, requestID string) string {
	t.Helper()
	out := b.runWorker(t, "trace", requestID)
	_, rest, ok := strings.Cut(out, "queued")
	require.True(t, ok, out)
	var id int64
	_, err := fmt.Sscanf(strings.TrimSpace(rest), "job %d", &id)
	require.NoError(t, err, out)
	return fmt.Sprint(id)
}
