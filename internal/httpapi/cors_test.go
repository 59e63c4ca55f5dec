package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/config"
)

func TestCORS(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *config.API) {
		c.CORSAllowedOrigins = []string{"https://app.example.com", "http://localhost:3000"}
	})

	preflight := func(origin, method, path string) *request {
		return &request{method: http.MethodOptions, path: path, headers: map[string]string{
			"Origin":                         origin,
			"Access-Control-Request-Method":  method,
			"Access-Control-Request-Headers": "authorization, content-type",
		}}
	}

	t.Run("preflight from an allowed origin", func(t *testing.T) {
		t.Parallel()
		for _, path := range []string{"/api/tasks", "/api/tasks/7", "/api/auth/login"} {
			rec := b.do(*preflight("https://app.example.com", http.MethodPatch, path))
			require.Equal(t, http.StatusNoContent, rec.Code, path)
			h := rec.Header()
			require.Equal(t, "https://app.example.com", h.Get("Access-Control-Allow-Origin"))
			require.Equal(t, "GET,POST,PATCH,DELETE,OPTIONS", h.Get("Access-Control-Allow-Methods"))
			require.Equal(t, "Authorization,Content-Type,X-Request-Id", h.Get("Access-Control-Allow-Headers"))
			require.Empty(t, h.Get("Access-Control-Allow-Credentials"))
			require.Equal(t, "600", h.Get("Access-Control-Max-Age"))
		}
	})

	t.Run("preflight from another origin is refused", func(t *testing.T) {
		t.Parallel()
		for _, origin := range []string{"https://evil.example.com", "https://app.example.com.evil.com", "null", "http://app.example.com"} {
			rec := b.do(*preflight(origin, http.MethodPost, "/api/tasks"))
			requireError(t, rec, http.StatusForbidden, "forbidden")
			require.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"), origin)
		}
	})

	t.Run("actual request from an allowed origin exposes the request ID", func(t *testing.T) {
		t.Parallel()
		rec := b.do(request{method: http.MethodGet, path: "/healthz", headers: map[string]string{"Origin": "http://localhost:3000"}})
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, "http://localhost:3000", rec.Header().Get("Access-Control-Allow-Origin"))
		require.Contains(t, rec.Header().Get("Access-Control-Expose-Headers"), "X-Request-Id")
		require.Contains(t, rec.Header().Values("Vary"), "Origin")
	})

	t.Run("actual request from another origin is refused", func(t *testing.T) {
		t.Parallel()
		rec := b.do(request{method: http.MethodPost, path: "/api/auth/login", body: `{}`, headers: map[string]string{"Origin": "https://evil.example.com"}})
		requireError(t, rec, http.StatusForbidden, "forbidden")
	})

	t.Run("requests without an Origin and same-origin ones pass", func(t *testing.T) {
		t.Parallel()
		rec := b.do(request{method: http.MethodGet, path: "/healthz"})
		require.Equal(t, http.StatusOK, rec.Code)
		require.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"))
		rec = b.do(request{method: http.MethodGet, path: "/healthz", headers: map[string]string{"Origin": "http://example.com"}})
		require.Equal(t, http.StatusOK, rec.Code, "httptest's Host is example.com, so this is same-origin")
	})
}
