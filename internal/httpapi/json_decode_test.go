package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/config"
)

func TestDecodeJSONRefusesBadBodies(t *testing.T) {
	t.Parallel()
	b := setup(t)

	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		code, message           string
	}{
		{"no content type", "", `{"email":"a@example.com"}`, 415, "unsupported_media_type", "Content-Type: application/json"},
		{"form", "application/x-www-form-urlencoded", `email=a`, 415, "unsupported_media_type", "Content-Type: application/json"},
		{"text", "text/plain", `{"email":"a@example.com"}`, 415, "unsupported_media_type", "Content-Type: application/json"},
		{"latin1", "application/json; charset=latin1", `{}`, 415, "unsupported_media_type", "UTF-8"},
		{"empty", "application/json", ``, 400, "invalid_request", "empty"},
		{"syntax", "application/json", `{"email":}`, 400, "invalid_request", "not valid JSON"},
		{"truncated", "application/json", `{"email":"a@example.com"`, 400, "invalid_request", "ends before"},
		{"array", "application/json", `[{"email":"a"}]`, 400, "invalid_request", "must be a JSON object"},
		{"string", "application/json", `"hello"`, 400, "invalid_request", "must be a JSON object"},
		{"unknown field", "application/json", `{"email":"a@example.com","password":"x","admin":true}`, 400, "invalid_request", `Unknown field "admin". Allowed fields: email, password.`},
		{"wrong type", "application/json", `{"email":42,"password":"x"}`, 400, "invalid_request", `Field "email" must be a string.`},
		{"object for string", "application/json", `{"email":{"a":1},"password":"x"}`, 400, "invalid_request", `Field "email" must be a string.`},
		{"trailing object", "application/json", `{"email":"a@example.com","password":"x"}{"again":1}`, 400, "invalid_request", "nothing after it"},
		{"trailing garbage", "application/json", `{"email":"a@example.com","password":"x"} garbage`, 400, "invalid_request", "nothing after it"},
	} {
		rec := b.do(request{method: http.MethodPost, path: "/api/auth/login", body: tc.body, headers: map[string]string{"Content-Type": tc.contentType}})
		requireError(t, rec, tc.status, tc.code)
		require.Contains(t, decode(t, rec)["error"].(map[string]any)["message"], tc.message, tc.name)
	}

	// Trailing whitespace is not trailing data; JSON with a charset is fine.
	rec := b.do(request{method: http.MethodPost, path: "/api/auth/login", body: "{\"email\":\"a@example.com\",\"password\":\"pw-123456\"}\n\t ",
		headers: map[string]string{"Content-Type": "Application/JSON; charset=UTF-8"}})
	requireError(t, rec, http.StatusUnauthorized, "unauthorized")
}

func TestBodiesOverTheCapGet413(t *testing.T) {
	t.Parallel()
	b, token := setupWithUser(t, func(c *config.API) { c.MaxBodyBytes = 4096 })
	big := `{"title":"` + strings.Repeat("x", 5000) + `"}`

	// A declared Content-Length over the cap is refused before reading.
	rec := b.do(request{method: http.MethodPost, path: "/api/tasks", token: token, body: big})
	details := requireError(t, rec, http.StatusRequestEntityTooLarge, "payload_too_large")
	require.EqualValues(t, 4096, details["limit_bytes"])

	// A chunked body, with no Content-Length, is cut off while decoding;
	// so is one within the cap but with a huge tail after the object.
	for _, body := range []string{big, `{"title":"ok"}` + strings.Repeat(" ", 5000)} {
		rec = b.do(request{method: http.MethodPost, path: "/api/tasks", token: token, body: body, chunked: true})
		requireError(t, rec, http.StatusRequestEntityTooLarge, "payload_too_large")
	}

	// The default cap is 1 MiB.
	d := setup(t)
	rec = d.do(request{method: http.MethodPost, path: "/api/auth/register", body: `{"name":"` + strings.Repeat("n", 1<<20) + `"}`})
	requireError(t, rec, http.StatusRequestEntityTooLarge, "payload_too_large")
}
