package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func validAPIEnv() map[string]string {
	return map[string]string{
		"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/todo",
		"JWT_SECRET":   strings.Repeat("j", 32),
	}
}

func validWorkerEnv() map[string]string {
	return map[string]string{
		"DATABASE_URL":    "postgres://postgres@127.0.0.1:5432/todo",
		"RESET_TOKEN_KEY": strings.Repeat("k", 32),
		"SMTP_HOST":       "localhost",
		"SMTP_FROM":       "Todo <no-reply@example.com>",
	}
}

func with(base map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// TestLoadDefaults is what each binary gets from a minimal environment,
// and what production changes for the API.
func TestLoadDefaults(t *testing.T) {
	t.Parallel()

	api, err := LoadAPI(validAPIEnv())
	require.NoError(t, err)
	prod, err := LoadAPI(with(validAPIEnv(), "APP_ENV", "production", "FRONTEND_URL", "https://app.example.com/"))
	require.NoError(t, err)
	worker, err := LoadWorker(validWorkerEnv())
	require.NoError(t, err)
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"PORT", api.Port, 8080},
		{"APP_ENV", api.AppEnv, "development"},
		{"LOG_FORMAT", api.LogFormat, "text"},
		{"FRONTEND_URL", api.FrontendURL, "http://localhost:3000"},
		{"CORS_ALLOWED_ORIGINS", api.CORSAllowedOrigins, []string{"http://localhost:3000"}},
		{"RATE_LIMIT_ENABLED", api.RateLimitEnabled, true},
		{"the dashboard", api.DashboardEnabled(), false},
		{"production LOG_FORMAT", prod.LogFormat, "json"},
		{"production FRONTEND_URL", prod.FrontendURL, "https://app.example.com"},
		{"production CORS_ALLOWED_ORIGINS", prod.CORSAllowedOrigins, []string{"https://app.example.com"}},
		{"SMTP_PORT", worker.SMTPPort, 587},
		{"SMTP_TLS", worker.SMTPTLS, "starttls"},
		{"SMTP_MAX_CONNECTIONS", worker.SMTPMaxConnections, 10},
		{"WORKER_HTTP_ADDR", worker.WorkerHTTPAddr, ":9090"},
	} {
		require.Equal(t, c.want, c.got, c.name)
	}
}

func TestLoadAPIReportsEveryProblemWithoutSecrets(t *testing.T) {
	t.Parallel()

	_, err := LoadAPI(map[string]string{
		"DATABASE_URL":         "postgres://u:hunter2@host:notaport/db",
		"JWT_SECRET":           "short-secret-value",
		"APP_ENV":              "production",
		"FRONTEND_URL":         "http://app.example.com",
		"PORT":                 "99999",
		"JWT_TTL":              "forever",
		"CORS_ALLOWED_ORIGINS": "*",
	})
	require.Error(t, err)
	var cerr *Error
	require.ErrorAs(t, err, &cerr)
	msg := err.Error()
	for _, want := range []string{"DATABASE_URL", "JWT_SECRET must be at least 32 bytes", "FRONTEND_URL must use https", "PORT must be between", "JWT_TTL must be a duration", "CORS_ALLOWED_ORIGINS"} {
		require.Contains(t, msg, want)
	}
	for _, secret := range []string{"hunter2", "short-secret-value"} {
		require.NotContains(t, msg, secret)
	}
}

// TestOnlyTheWorkerReadsResetTokenKey: with the key and a request ID (shown
// in the dashboard) anyone can compute that request's reset token, so the
// API, which serves the dashboard, must neither need nor read it.
func TestOnlyTheWorkerReadsResetTokenKey(t *testing.T) {
	t.Parallel()

	for _, v := range Vars(&API{}) {
		require.NotEqual(t, "RESET_TOKEN_KEY", v.Name)
	}
	_, err := LoadAPI(validAPIEnv())
	require.NoError(t, err)

	env := validWorkerEnv()
	delete(env, "RESET_TOKEN_KEY")
	_, err = LoadWorker(env)
	require.ErrorContains(t, err, "RESET_TOKEN_KEY is required")
	_, err = LoadWorker(with(validWorkerEnv(), "RESET_TOKEN_KEY", "tiny-reset-key"))
	require.ErrorContains(t, err, "RESET_TOKEN_KEY must be at least 32 bytes")
	require.NotContains(t, err.Error(), "tiny-reset-key")
}

func TestLoadAPIDashboardNeedsBothCredentials(t *testing.T) {
	t.Parallel()

	_, err := LoadAPI(with(validAPIEnv(), "DASHBOARD_USERNAME", "oncall"))
	require.ErrorContains(t, err, "must be set together")

	cfg, err := LoadAPI(with(validAPIEnv(), "DASHBOARD_USERNAME", "oncall", "DASHBOARD_PASSWORD", "a-long-enough-password"))
	require.NoError(t, err)
	require.True(t, cfg.DashboardEnabled())
}

func TestLoadWorkerReportsEveryProblemWithoutSecrets(t *testing.T) {
	t.Parallel()

	_, err := LoadWorker(with(validWorkerEnv(),
		"SMTP_PORT", "70000",
		"SMTP_TLS", "ssl",
		"SMTP_FROM", "not an address",
		"SMTP_PASSWORD", "smtp-secret-pw",
		"JOB_TIMEOUT", "10s",
		"RESCUE_STUCK_JOBS_AFTER", "5s",
	))
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{"SMTP_PORT must be between", "SMTP_TLS must be none, starttls or tls", "SMTP_FROM must be", "SMTP_USERNAME and SMTP_PASSWORD", "JOB_TIMEOUT must exceed", "RESCUE_STUCK_JOBS_AFTER"} {
		require.Contains(t, msg, want)
	}
	require.NotContains(t, msg, "smtp-secret-pw")
}

// TestMailFromErrorMasksTheAddress: a MAIL_FROM that does not parse is
// reported with its address masked, as every address in a log is.
func TestMailFromErrorMasksTheAddress(t *testing.T) {
	t.Parallel()

	_, err := LoadWorker(with(validWorkerEnv(), "SMTP_FROM", "", "MAIL_FROM", "Jane Roe <jane.roe@example.com"))
	require.ErrorContains(t, err, "MAIL_FROM must be an address such as")
	require.ErrorContains(t, err, "J***@example.com")
	require.NotContains(t, err.Error(), "jane.roe@example.com")
}

// TestEveryVariableIsDocumented fails when a config field is missing from
// docs/environment.md or .env.example, so operators never meet a variable
// that only the code knows about.
func TestEveryVariableIsDocumented(t *testing.T) {
	t.Parallel()

	root := repoRoot(t)
	docs, err := os.ReadFile(filepath.Join(root, "docs", "environment.md"))
	require.NoError(t, err)
	example, err := os.ReadFile(filepath.Join(root, ".env.example"))
	require.NoError(t, err)

	for _, cfg := range []any{&API{}, &Worker{}} {
		for _, v := range Vars(cfg) {
			require.Contains(t, string(docs), "`"+v.Name+"`", "docs/environment.md is missing %s", v.Name)
			require.Regexp(t, `(?m)^#? ?`+v.Name+`=`, string(example), ".env.example is missing %s", v.Name)
		}
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "go.mod not found")
		dir = parent
	}
}

func TestErrorAboutKeepsTheProblemsOfTheVariablesNamed(t *testing.T) {
	t.Parallel()

	host := Problem{Var: "SMTP_HOST", Problem: "SMTP_HOST is required"}
	jwt := Problem{Var: "JWT_SECRET", Problem: "JWT_SECRET is required"}
	db := Problem{Var: "DATABASE_URL", Problem: "DATABASE_URL is required"}
	e := &Error{Problems: []Problem{host, jwt, db}}
	require.Equal(t, []Problem{host}, e.About(Names(&Worker{}, "SMTP_")...).Problems)
	require.Equal(t, []Problem{jwt, db}, e.About("DATABASE_URL", "JWT_SECRET").Problems)
	require.Nil(t, e.About("LOG_LEVEL"))

	// A problem is found by its variable, whatever its sentence says.
	_, err := LoadWorker(with(validWorkerEnv(), "SMTP_PORT", "70000"))
	var cerr *Error
	require.ErrorAs(t, err, &cerr)
	require.Equal(t, "SMTP_PORT", cerr.About("SMTP_PORT").Problems[0].Var)
}

func TestMetricsTokenIsOptionalButLongWhenSet(t *testing.T) {
	t.Parallel()

	cfg, err := LoadWorker(validWorkerEnv())
	require.NoError(t, err)
	require.Empty(t, cfg.MetricsToken)
	_, err = LoadAPI(with(validAPIEnv(), "METRICS_TOKEN", "short-metrics-token"))
	require.ErrorContains(t, err, "METRICS_TOKEN must be at least 32 bytes")
	require.NotContains(t, err.Error(), "short-metrics-token")
}

func TestHibernationSettings(t *testing.T) {
	t.Parallel()

	cfg, err := LoadWorker(validWorkerEnv())
	require.NoError(t, err)
	require.False(t, cfg.Hibernates(), "WORKER_IDLE_AFTER defaults to 0: never sleep")
	require.Equal(t, time.Hour, cfg.WorkerIdleSweep)

	cfg, err = LoadWorker(with(validWorkerEnv(), "WORKER_IDLE_AFTER", "2s"))
	require.NoError(t, err)
	require.True(t, cfg.Hibernates())

	_, err = LoadWorker(with(validWorkerEnv(), "WORKER_IDLE_AFTER", "10ms", "WORKER_IDLE_SWEEP", "0s", "WORKER_WAKE_TOKEN", "short-wake-token"))
	require.Error(t, err)
	for _, want := range []string{"WORKER_IDLE_AFTER must be 0", "WORKER_IDLE_SWEEP must be at least 1s", "WORKER_WAKE_TOKEN must be at least 32 bytes"} {
		require.Contains(t, err.Error(), want)
	}
	require.NotContains(t, err.Error(), "short-wake-token")

	// The API wakes nothing by default, and needs the token with URLs.
	api, err := LoadAPI(validAPIEnv())
	require.NoError(t, err)
	require.Empty(t, api.WorkerWakeURLs)
	_, err = LoadAPI(with(validAPIEnv(), "WORKER_WAKE_URLS", "http://worker:9090/wake"))
	require.ErrorContains(t, err, "WORKER_WAKE_TOKEN is required")
	_, err = LoadAPI(with(validAPIEnv(), "WORKER_WAKE_URLS", "worker:9090,http://u:p@worker/wake", "WORKER_WAKE_TOKEN", strings.Repeat("w", 32)))
	require.ErrorContains(t, err, `WORKER_WAKE_URLS entry "worker:9090"`)
	require.NotContains(t, err.Error(), "u:p@")
	api, err = LoadAPI(with(validAPIEnv(), "WORKER_WAKE_URLS", "http://w1:9090/wake,http://w2:9090/wake", "WORKER_WAKE_TOKEN", strings.Repeat("w", 32)))
	require.NoError(t, err)
	require.Len(t, api.WorkerWakeURLs, 2)
}

// TestLoadAPIRefusesTrustedProxiesWiderThanANetwork is issue 23, item 8:
// TRUSTED_PROXIES=0.0.0.0/0 (or ::/0) was accepted, which makes every
// limiter believe any client's X-Forwarded-For. Prefixes shorter than /8
// (IPv4) or /16 (IPv6) are refused at start, each with a message.
func TestLoadAPIRefusesTrustedProxiesWiderThanANetwork(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"0.0.0.0/0", "::/0", "10.0.0.0/7", "2001::/15", "::ffff:0.0.0.0/96"} {
		_, err := LoadAPI(with(validAPIEnv(), "TRUSTED_PROXIES", "127.0.0.1,"+bad))
		require.Error(t, err, bad)
		require.Contains(t, err.Error(), "TRUSTED_PROXIES entry "+strconvQuote(bad), bad)
		require.Contains(t, err.Error(), "trusts too many addresses", bad)
	}
	for _, good := range []string{"10.0.0.0/8", "2001:db8::/16", "127.0.0.1", "::1", "192.0.2.0/24"} {
		_, err := LoadAPI(with(validAPIEnv(), "TRUSTED_PROXIES", good))
		require.NoError(t, err, good)
	}
}

func strconvQuote(s string) string { return `"` + s + `"` }
