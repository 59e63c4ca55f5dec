package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/config"
)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()

	for _, env := range []string{config.EnvDevelopment, config.EnvProduction} {
		b, token := setupWithUser(t, func(c *config.API) { c.AppEnv = env })
		for _, r := range []request{
			{method: http.MethodGet, path: "/healthz"},
			{method: http.MethodGet, path: "/api/auth/me", token: token},
			{method: http.MethodGet, path: "/api/auth/me"},
			{method: http.MethodGet, path: "/no/such/path"},
			{method: http.MethodPut, path: "/api/tasks"},
			{method: http.MethodPost, path: "/api/tasks", token: token, body: `{`},
		} {
			rec := b.do(r)
			h := rec.Header()
			require.Equal(t, "nosniff", h.Get("X-Content-Type-Options"), r.path)
			require.Equal(t, "DENY", h.Get("X-Frame-Options"), r.path)
			require.Equal(t, "no-referrer", h.Get("Referrer-Policy"), r.path)
			require.Equal(t, "default-src 'none'; frame-ancestors 'none'", h.Get("Content-Security-Policy"), r.path)
			require.Equal(t, "no-store", h.Get("Cache-Control"), r.path)
			if env == config.EnvProduction {
				require.Equal(t, "max-age=63072000; includeSubDomains", h.Get("Strict-Transport-Security"), r.path)
			} else {
				require.Empty(t, h.Get("Strict-Transport-Security"), r.path)
			}
		}
	}
}

func TestMethodNotAllowedUsesTheErrorShape(t *testing.T) {
	t.Parallel()
	b := setup(t)
	requireError(t, b.do(request{method: http.MethodPut, path: "/api/tasks/1"}), http.StatusMethodNotAllowed, "method_not_allowed")
	requireError(t, b.do(request{method: http.MethodGet, path: "/api/nothing"}), http.StatusNotFound, "not_found")
}
