package reset_test

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/apiapp"
	"github.com/todoapp/resetmail/internal/apperr"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/delivery"
	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/reset"
	"github.com/todoapp/resetmail/internal/smtptest"
	"github.com/todoapp/resetmail/internal/testdb"
	"github.com/todoapp/resetmail/internal/testdb/testdbsqlc"
	"github.com/todoapp/resetmail/internal/testutil"
	"github.com/todoapp/resetmail/internal/workerapp"
)

const frontendURL = "http://localhost:3000"

// testBundle is a real database, a real River client working the email
// queue, the real SMTP transport, and an in-process SMTP server.
type testBundle struct {
	db     *testdb.DB
	smtp   *smtptest.Server
	client *river.Client[pgx.Tx]
	svc    *reset.Service
	key    []byte
	obs    *recordingObserver
}

type bundleOpts struct {
	fault    smtptest.FaultFunc
	ttl      time.Duration
	throttle time.Duration
	attempts int
}

func setup(t *testing.T, o bundleOpts) *testBundle {
	t.Helper()
	db := testdb.New(t)
	srv := smtptest.NewT(t, smtptest.Options{Fault: o.fault})
	key := []byte(testutil.Secret("reset-key", 40))
	obs := &recordingObserver{}
	client := startWorker(t, db, srv, key, obs, o.throttle)
	svc := newService(t, db, o.ttl, o.attempts)
	return &testBundle{db: db, smtp: srv, client: client, svc: svc, key: key, obs: obs}
}

// newService is the API's reset.Service, built by the API's own assembly
// (apiapp.New) over db. ttl (RESET_TOKEN_TTL) and attempts
// (EMAIL_MAX_ATTEMPTS) keep their defaults when zero; a ttl below the
// setting's minimum is set on the config after it was read, for the
// expiry tests.
func newService(t testing.TB, db *testdb.DB, ttl time.Duration, attempts int) *reset.Service {
	t.Helper()
	env := map[string]string{
		"DATABASE_URL": db.URL,
		"JWT_SECRET":   testutil.Secret("jwt", 40),
		"BCRYPT_COST":  "4",
	}
	if attempts > 0 {
		env["EMAIL_MAX_ATTEMPTS"] = strconv.Itoa(attempts)
	}
	cfg, err := config.LoadAPI(env)
	require.NoError(t, err)
	if ttl > 0 {
		cfg.ResetTokenTTL = ttl
	}
	app, err := apiapp.New(context.Background(), cfg, db.Pool, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	return app.Resets
}

// startWorker starts a worker that sends through srv over SMTP, the way one
// worker process does. Tests start two for two workers.
func startWorker(t *testing.T, db *testdb.DB, srv *smtptest.Server, key []byte, obs delivery.Observer, throttle time.Duration) *river.Client[pgx.Tx] {
	t.Helper()
	return startWorkerWith(t, db, key, obs, throttle, workerOpts{env: smtpEnv(srv)})
}

// smtpEnv points the worker at srv over plain SMTP.
func smtpEnv(srv *smtptest.Server) map[string]string {
	return map[string]string{"SMTP_HOST": srv.Host(), "SMTP_PORT": strconv.Itoa(srv.Port()), "SMTP_TLS": "none"}
}

// startWorkerWith starts a worker through the worker's own assembly
// (workerapp.New), with the settings of o on top of fast test timings, and
// starts its River client.
func startWorkerWith(t testing.TB, db *testdb.DB, key []byte, obs delivery.Observer, throttle time.Duration, o workerOpts) *river.Client[pgx.Tx] {
	t.Helper()
	// The worker's own settings, with timings shortened so that tests do
	// not wait on backoff or polling unless o.production says so.
	env := map[string]string{
		"DATABASE_URL":               db.URL,
		"RESET_TOKEN_KEY":            string(key),
		"FRONTEND_URL":               frontendURL,
		"SMTP_HOST":                  "127.0.0.1",
		"MAIL_FROM":                  "Todo <no-reply@example.com>",
		"RESET_EMAIL_INTERVAL":       throttle.String(),
		"WORKER_CONCURRENCY":         "20",
		"WORKER_FETCH_POLL_INTERVAL": "50ms",
		"SMTP_DIAL_TIMEOUT":          "2s",
		"SMTP_COMMAND_TIMEOUT":       "5s",
		"JOB_TIMEOUT":                "10s",
	}
	if !o.production {
		env["EMAIL_RETRY_BASE"] = "20ms"
		env["EMAIL_RETRY_MAX"] = "100ms"
	}
	for k, v := range o.env {
		env[k] = v
	}
	cfg, err := config.LoadWorker(env)
	require.NoError(t, err)
	app, err := workerapp.New(context.Background(), cfg, workerapp.Deps{
		Pool: db.Pool, Logger: slog.New(slog.DiscardHandler), Provider: o.provider, Observer: obs,
	})
	require.NoError(t, err)
	client := app.Client
	require.NoError(t, client.Start(context.Background()))
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Stop(stopCtx)
		app.Close()
	})
	return client
}

// workerOpts are what a test changes about its worker.
type workerOpts struct {
	// env are settings on top of the test defaults (the provider, the
	// send-rate cap, WORKER_CONCURRENCY…).
	env map[string]string
	// provider is an in-process stand-in that no setting reaches (an SES
	// fake with static credentials, an HTTPS fake with its own root CA);
	// nil sends through the provider env names.
	provider mail.Provider
	// production keeps EMAIL_RETRY_BASE and EMAIL_RETRY_MAX at their
	// defaults.
	production bool
}

// productionTimings are the worker's defaults: the retry policy of
// EMAIL_RETRY_BASE and EMAIL_RETRY_MAX, and the Gateway's pause and the
// snooze lengths, which tests never shorten.
var productionTimings = workerOpts{production: true}

// resetOne creates a user, asks for a reset and waits for its job to end.
func (b *testBundle) resetOne(t *testing.T, email, name string) (uuid.UUID, jobRow) {
	t.Helper()
	b.addUser(t, email, name)
	id, jobs := b.resetAndWait(t, email, 1)
	return id, jobs[0]
}

// resetAndWait asks for a reset of email and waits until n reset jobs have
// ended, this one among them when n counts it.
func (b *testBundle) resetAndWait(t *testing.T, email string, n int) (uuid.UUID, []jobRow) {
	t.Helper()
	id, err := b.svc.RequestReset(context.Background(), email)
	require.NoError(t, err)
	return id, b.waitJob(t, "password_reset_email", n)
}

func (b *testBundle) addUser(t *testing.T, email, name string) int64 {
	t.Helper()
	id, err := b.db.Fixtures.InsertUser(context.Background(), b.db.Pool, testdbsqlc.InsertUserParams{Email: email, Name: name, PasswordHash: "x"})
	require.NoError(t, err)
	return id
}

// waitJob waits until the reset job for requestID reaches a final state.
func (b *testBundle) waitJob(t *testing.T, kind string, n int) []jobRow {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rows := b.jobs(t, kind)
		done := 0
		for _, r := range rows {
			if r.State == "completed" || r.State == "cancelled" || r.State == "discarded" {
				done++
			}
		}
		if len(rows) >= n && done >= n {
			return rows
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs of kind %s did not finish: %+v", kind, rows)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// jobRow is one job of a kind as the fixture query reads it.
type jobRow = testdbsqlc.JobArgsRow

func (b *testBundle) jobs(t *testing.T, kind string) []jobRow {
	t.Helper()
	rows, err := b.db.Fixtures.JobArgs(context.Background(), b.db.Pool, kind)
	require.NoError(t, err)
	return rows
}

// resetErr is Reset's error alone, for the checks that need no address.
func (b *testBundle) resetErr(ctx context.Context, token, password string) error {
	_, err := b.svc.Reset(ctx, token, password)
	return err
}

func (b *testBundle) token(t *testing.T, msg smtptest.Received) string {
	t.Helper()
	parsed, err := testutil.ParseMail(msg.Data)
	require.NoError(t, err)
	tok := testutil.ResetToken(parsed.Text)
	require.NotEmpty(t, tok, "no link in text part:\n%s", parsed.Text)
	require.Equal(t, tok, testutil.ResetToken(strings.ReplaceAll(parsed.HTML, "&amp;", "&")), "both parts carry the same link")
	return tok
}

type recordingObserver struct {
	mu      sync.Mutex
	sent    int
	failed  map[string]int
	skipped map[string]int
}

func (o *recordingObserver) EmailSent(string, time.Duration, time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent++
}

func (o *recordingObserver) EmailFailed(_, class string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.failed == nil {
		o.failed = map[string]int{}
	}
	o.failed[class]++
}

func (o *recordingObserver) EmailSuppressed(string) { o.ResetSkipped("suppressed") }

func (o *recordingObserver) ResetSkipped(reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.skipped == nil {
		o.skipped = map[string]int{}
	}
	o.skipped[reason]++
}

func TestResetMailCarriesWorkingLinkAndNoSecretsAreStored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, bundleOpts{})
	b.addUser(t, "Ada.Lovelace@example.com", "Ada")

	id, jobs := b.resetAndWait(t, "ada.lovelace@example.com", 1)
	require.Equal(t, "completed", jobs[0].State)

	require.NoError(t, b.smtp.WaitForCount(ctx, 1))
	msg := b.smtp.Messages()[0]
	require.Equal(t, []string{"Ada.Lovelace@example.com"}, msg.To)
	tok := b.token(t, msg)
	require.Equal(t, reset.DeriveToken(b.key, id), tok)

	// Job args hold neither the token nor the full address.
	require.NotContains(t, jobs[0].Args, tok)
	require.NotContains(t, strings.ToLower(jobs[0].Args), "ada.lovelace@")
	require.Contains(t, jobs[0].Args, "a***@example.com")

	// Only the token's SHA-256 is stored.
	req, err := b.db.Fixtures.ResetRequest(ctx, b.db.Pool, id)
	require.NoError(t, err)
	require.Equal(t, "sent", req.Outcome)
	require.NotNil(t, req.SentAt)
	sum := sha256.Sum256([]byte(tok))
	require.Equal(t, sum[:], req.TokenHash)

	expires, err := b.svc.Verify(ctx, tok)
	require.NoError(t, err)
	require.WithinDuration(t, time.Now().Add(time.Hour), expires, time.Minute)
}

func TestResetConsumesTokenVoidsOthersAndNotifies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, bundleOpts{})
	b.addUser(t, "grace@example.com", "Grace")

	b.resetAndWait(t, "grace@example.com", 1)
	b.resetAndWait(t, "grace@example.com", 2)
	require.NoError(t, b.smtp.WaitForCount(ctx, 2))
	first, second := b.token(t, b.smtp.Messages()[0]), b.token(t, b.smtp.Messages()[1])
	require.NotEqual(t, first, second)

	email, err := b.svc.Reset(ctx, second, "a new password")
	require.NoError(t, err)
	require.Equal(t, "grace@example.com", email, "the account's address, for the sign-in page")

	// The used token and the other open one are both dead now.
	for _, tok := range []string{first, second} {
		_, err := b.svc.Verify(ctx, tok)
		require.Equal(t, apperr.CodeInvalidToken, apperr.CodeOf(err))
		require.Equal(t, apperr.CodeInvalidToken, apperr.CodeOf(b.resetErr(ctx, tok, "another password")))
	}

	b.waitJob(t, "password_changed_email", 1)
	require.NoError(t, b.smtp.WaitForCount(ctx, 3))
	notice, err := testutil.ParseMail(b.smtp.Messages()[2].Data)
	require.NoError(t, err)
	require.Empty(t, testutil.ResetToken(notice.Text))
	require.Contains(t, strings.ToLower(notice.Subject), "password")
}

func TestUnknownEmailSendsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, bundleOpts{})

	id, jobs := b.resetAndWait(t, "nobody@example.com", 1)
	require.Equal(t, "completed", jobs[0].State)
	require.Zero(t, b.smtp.Count())

	req, err := b.db.Fixtures.ResetRequest(ctx, b.db.Pool, id)
	require.NoError(t, err)
	require.Equal(t, reset.SkipNoAccount, req.Outcome)
	require.Nil(t, req.TokenHash)
}

// TestFailedSendsEndAsTheirClassSays: what an expired link, and each fault
// of the SMTP server, makes of the reset job; no error names the address.
func TestFailedSendsEndAsTheirClassSays(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, email string
		opts        bundleOpts
		// state is the job's final state, sent the mails the server took.
		state string
		sent  int
		// errors are in the job's errors; attempts, when set, is how many
		// attempts they record.
		errors   []string
		attempts int
	}{
		{name: "expired link is cancelled, not sent", email: "ken@example.com",
			opts:  bundleOpts{ttl: time.Millisecond},
			state: "cancelled", errors: []string{"reset request expired before delivery"}},
		{name: "transient failures are retried, then delivered", email: "barbara@example.com",
			opts:  bundleOpts{fault: smtptest.TempFailFirst(2)},
			state: "completed", sent: 1, errors: []string{"451", "will retry"}},
		{name: "permanent failure is attempted once and cancelled", email: "edsger@bounce.example.com",
			opts:  bundleOpts{fault: smtptest.RejectDomain("bounce.example.com")},
			state: "cancelled", errors: []string{"550", "provider rejected"}, attempts: 1},
		{name: "connection dropped mid-DATA is retried", email: "margaret@example.com",
			opts:  bundleOpts{fault: smtptest.DropDataFirst(1)},
			state: "completed", sent: 1},
		{name: "exhausted attempts are discarded with the reason", email: "alan@example.com",
			opts:  bundleOpts{fault: smtptest.TempFailFirst(100), attempts: 3},
			state: "discarded", errors: []string{"gave up after 3 attempts"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tc.opts)
			_, job := b.resetOne(t, tc.email, "User")
			require.Equal(t, tc.state, job.State)
			require.Equal(t, tc.sent, b.smtp.Count())
			for _, e := range tc.errors {
				require.Contains(t, job.Errors, e)
			}
			local, _, _ := strings.Cut(tc.email, "@")
			require.NotContains(t, job.Errors, local+"@")
			if tc.attempts > 0 {
				require.Equal(t, tc.attempts, strings.Count(job.Errors, `"attempt"`), "attempts: %s", job.Errors)
			}
		})
	}
}

func TestDuplicateSendCarriesSameWorkingLink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, bundleOpts{})
	id, _ := b.resetOne(t, "hedy@example.com", "Hedy")

	// Simulate a crash after the server's 250 but before "sent" was
	// recorded: the request is pending again, and the job runs again.
	err := b.db.Fixtures.ResetUnsend(ctx, b.db.Pool, id)
	require.NoError(t, err)
	_, err = b.client.Insert(ctx, reset.SendResetArgs{RequestID: id, EmailMasked: "h***@example.com"}, nil)
	require.NoError(t, err)
	b.waitJob(t, "password_reset_email", 2)

	require.NoError(t, b.smtp.WaitForCount(ctx, 2))
	first, second := b.token(t, b.smtp.Messages()[0]), b.token(t, b.smtp.Messages()[1])
	require.Equal(t, first, second, "both copies carry one link")
	_, err = b.svc.Verify(ctx, first)
	require.NoError(t, err)
	require.NoError(t, b.resetErr(ctx, second, "a new password"))
}

// TestThrottledRequestIsVoided: a second request within
// RESET_EMAIL_INTERVAL sends nothing and is counted as throttled. And issue
// 23, item 9: a forgot-password request the flood limit keeps from being
// mailed still got a valid token, which anyone holding RESET_TOKEN_KEY and
// the request ID (shown in the dashboard) could derive. A request that will
// not be mailed is void.
func TestThrottledRequestIsVoided(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, bundleOpts{throttle: time.Hour})
	b.addUser(t, "throttled@example.com", "T")

	sent, _ := b.resetAndWait(t, "throttled@example.com", 1)
	throttled, _ := b.resetAndWait(t, "throttled@example.com", 2)
	require.Equal(t, 1, b.smtp.Count())
	b.obs.mu.Lock()
	require.Equal(t, 1, b.obs.skipped[reset.SkipThrottled])
	b.obs.mu.Unlock()

	req, err := b.db.Fixtures.ResetRequest(ctx, b.db.Pool, throttled)
	require.NoError(t, err)
	require.Equal(t, reset.SkipThrottled, req.Outcome)
	tok := reset.DeriveToken(b.key, throttled)
	_, err = b.svc.Verify(ctx, tok)
	require.Error(t, err, "the throttled request's token works")
	require.Equal(t, apperr.CodeInvalidToken, apperr.CodeOf(err))
	require.Equal(t, apperr.CodeInvalidToken, apperr.CodeOf(b.resetErr(ctx, tok, "a new password")))

	// The mailed one still works.
	require.NoError(t, b.resetErr(ctx, reset.DeriveToken(b.key, sent), "a new password"))
}
