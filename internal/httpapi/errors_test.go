package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDatabaseFailureIsAnOpaque5xx checks that an error the handlers did not
// expect reaches the client only as a code, while the log keeps the cause
// and the request ID.
func TestDatabaseFailureIsAnOpaque5xx(t *testing.T) {
	t.Parallel()
	b, token := setupWithUser(t)
	b.db.Pool.Close()

	rec := b.do(request{method: http.MethodGet, path: "/api/tasks", token: token, headers: map[string]string{"X-Request-ID": "db-down-1"}})
	require.GreaterOrEqual(t, rec.Code, 500)
	body := decode(t, rec)["error"].(map[string]any)
	require.Contains(t, []any{"internal_error", "unavailable"}, body["code"])
	require.NotContains(t, rec.Body.String(), "closed pool")
	require.Nil(t, body["details"])

	logs := b.logs.String()
	require.Contains(t, logs, `"msg":"request failed"`)
	require.Contains(t, logs, `"request_id":"db-down-1"`)
	require.Contains(t, logs, "closed pool")
}
