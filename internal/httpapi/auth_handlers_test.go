package httpapi_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/todoapp/resetmail/internal/auth"
	"github.com/todoapp/resetmail/internal/config"
)

func TestRegister(t *testing.T) {
	t.Parallel()

	t.Run("creates the account with a normalized email", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		rec := b.do(request{method: http.MethodPost, path: "/api/auth/register",
			body: `{"email":"  Ada.Lovelace@Example.COM ","password":"correct horse battery","name":" Ada "}`})
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		user := decode(t, rec)["user"].(map[string]any)
		require.Equal(t, "Ada.Lovelace@example.com", user["email"])
		require.Equal(t, "Ada", user["name"])
		require.NotZero(t, user["id"])
		_, err := time.Parse(time.RFC3339Nano, user["created_at"].(string))
		require.NoError(t, err)
		require.ElementsMatch(t, []string{"id", "email", "name", "created_at"}, keys(user))
	})

	t.Run("refuses a duplicate in any letter case", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.register("grace@example.com", "correct horse battery", "Grace")
		rec := b.do(request{method: http.MethodPost, path: "/api/auth/register",
			body: `{"email":"GRACE@EXAMPLE.COM","password":"another password","name":"Grace 2"}`})
		requireError(t, rec, http.StatusConflict, "conflict")
		rec = b.do(request{method: http.MethodPost, path: "/api/auth/register",
			body: `{"email":"Grace@example.com","password":"another password","name":"Grace 3"}`})
		requireError(t, rec, http.StatusConflict, "conflict")
	})

	t.Run("names every invalid field", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for _, tc := range []struct {
			body   string
			fields []string
		}{
			{`{}`, []string{"email", "password", "name"}},
			{`{"email":"not-an-email","password":"short","name":""}`, []string{"email", "password", "name"}},
			{`{"email":"Ada <ada@example.com>","password":"correct horse battery","name":"Ada"}`, []string{"email"}},
			{`{"email":"ada@example.com\r\nBcc: x@example.com","password":"correct horse battery","name":"Ada"}`, []string{"email"}},
			{`{"email":"` + strings.Repeat("a", 250) + `@example.com","password":"correct horse battery","name":"Ada"}`, []string{"email"}},
			{`{"email":"ada@example.com","password":"` + strings.Repeat("é", 37) + `","name":"Ada"}`, []string{"password"}},
			{`{"email":"ada@example.com","password":"1234567","name":"Ada"}`, []string{"password"}},
			{`{"email":"ada@example.com","password":"correct horse battery","name":"Ada\r\nX"}`, []string{"name"}},
			{`{"email":"ada@example.com","password":"correct horse battery","name":"` + strings.Repeat("n", 101) + `"}`, []string{"name"}},
			{`{"email":null,"password":null,"name":null}`, []string{"email", "password", "name"}},
		} {
			rec := b.do(request{method: http.MethodPost, path: "/api/auth/register", body: tc.body})
			require.ElementsMatch(t, tc.fields, keys(fieldErrors(t, rec)), tc.body)
		}
	})

	t.Run("accepts a 72-byte password and a name with markup", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		pw := strings.Repeat("p", auth.MaxPasswordBytes)
		user := b.register("max@example.com", pw, "<script>alert(1)</script>")
		require.Equal(t, "<script>alert(1)</script>", user["name"])
		b.login("max@example.com", pw)
	})
}

func TestLogin(t *testing.T) {
	t.Parallel()

	t.Run("issues a bearer token", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.register("ada@Example.com", "correct horse battery", "Ada")
		rec := b.do(request{method: http.MethodPost, path: "/api/auth/login", body: `{"email":"ada@EXAMPLE.com","password":"correct horse battery"}`})
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		body := decode(t, rec)
		require.Equal(t, "bearer", body["token_type"])
		require.EqualValues(t, 3600, body["expires_in"])
		require.ElementsMatch(t, []string{"access_token", "token_type", "expires_in"}, keys(body))

		// The token is HS256 with sub, iat, exp and ver.
		parsed, err := jwt.Parse(body["access_token"].(string), func(*jwt.Token) (any, error) { return []byte(testJWTSecret), nil })
		require.NoError(t, err)
		require.Equal(t, "HS256", parsed.Header["alg"])
		claims := parsed.Claims.(jwt.MapClaims)
		for _, k := range []string{"sub", "iat", "exp", "ver"} {
			require.Contains(t, claims, k)
		}
		me := b.do(request{method: http.MethodGet, path: "/api/auth/me", token: body["access_token"].(string)})
		require.Equal(t, http.StatusOK, me.Code)
		require.Equal(t, claims["sub"], strconv.FormatInt(int64(decode(t, me)["user"].(map[string]any)["id"].(float64)), 10))
	})

	t.Run("answers unknown email and wrong password identically", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.register("ada@example.com", "correct horse battery", "Ada")
		var bodies []string
		for _, body := range []string{
			`{"email":"ada@example.com","password":"wrong password"}`,
			`{"email":"nobody@example.com","password":"wrong password"}`,
			`{"email":"not an email","password":"wrong password"}`,
			`{"email":"ada@example.com","password":"` + strings.Repeat("x", 200) + `"}`,
			`{"email":"ada@example.com","password":"correct horse battery` + strings.Repeat("!", 60) + `"}`,
		} {
			rec := b.do(request{method: http.MethodPost, path: "/api/auth/login", body: body})
			requireError(t, rec, http.StatusUnauthorized, "unauthorized")
			bodies = append(bodies, rec.Body.String())
		}
		for _, other := range bodies[1:] {
			require.Equal(t, bodies[0], other)
		}
	})

	t.Run("requires both fields", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		rec := b.do(request{method: http.MethodPost, path: "/api/auth/login", body: `{}`})
		require.ElementsMatch(t, []string{"email", "password"}, keys(fieldErrors(t, rec)))
		rec = b.do(request{method: http.MethodPost, path: "/api/auth/login", body: `{"email":"a@example.com","password":1}`})
		requireError(t, rec, http.StatusBadRequest, "invalid_request")
	})
}

func TestMe(t *testing.T) {
	t.Parallel()

	t.Run("returns the current user", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		registered := b.register("ada@example.com", "correct horse battery", "Ada")
		token := b.login("ada@example.com", "correct horse battery")
		rec := b.do(request{method: http.MethodGet, path: "/api/auth/me", token: token})
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		registered["locale"] = "" // none given at sign-up
		require.Equal(t, registered, decode(t, rec)["user"])
	})

	t.Run("returns the locale stored at sign-up", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		rec := b.do(request{method: http.MethodPost, path: "/api/auth/register", headers: map[string]string{"Accept-Language": "fr;q=0.5"},
			body: `{"email":"ada@example.com","password":"correct horse battery","name":"Ada","locale":"de-AT"}`})
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		token := b.login("ada@example.com", "correct horse battery")
		rec = b.do(request{method: http.MethodGet, path: "/api/auth/me", token: token})
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Equal(t, "de-AT,fr", decode(t, rec)["user"].(map[string]any)["locale"], "the whole stored preference, in order")
	})

	t.Run("needs a bearer token", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for _, h := range []string{"", "Bearer", "Bearer ", "Basic YTpi", "bearer-abc", "Token abc"} {
			rec := b.do(request{method: http.MethodGet, path: "/api/auth/me", headers: map[string]string{"Authorization": h}})
			requireError(t, rec, http.StatusUnauthorized, "unauthorized")
			require.Contains(t, rec.Header().Get("WWW-Authenticate"), "Bearer")
		}
	})

	t.Run("accepts the scheme in any case", func(t *testing.T) {
		t.Parallel()
		b, token := setupWithUser(t)
		rec := b.do(request{method: http.MethodGet, path: "/api/auth/me", headers: map[string]string{"Authorization": "bearer " + token}})
		require.Equal(t, http.StatusOK, rec.Code)
	})
}

// TestTokensThatMustBeRejected covers forged, foreign, expired and revoked
// tokens: each is a 401 with the same body.
func TestTokensThatMustBeRejected(t *testing.T) {
	t.Parallel()
	b, token := setupWithUser(t)
	me := b.do(request{method: http.MethodGet, path: "/api/auth/me", token: token})
	require.Equal(t, http.StatusOK, me.Code)
	userID := int64(decode(t, me)["user"].(map[string]any)["id"].(float64))
	sub := strconv.FormatInt(userID, 10)
	valid := jwt.MapClaims{"sub": sub, "ver": 1, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}

	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, valid).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	rs256, err := jwt.NewWithClaims(jwt.SigningMethodRS256, valid).SignedString(rsaKey)
	require.NoError(t, err)
	hs512, err := jwt.NewWithClaims(jwt.SigningMethodHS512, valid).SignedString([]byte(testJWTSecret))
	require.NoError(t, err)
	wrongSecret, err := jwt.NewWithClaims(jwt.SigningMethodHS256, valid).SignedString([]byte(strings.Repeat("w", 40)))
	require.NoError(t, err)
	noExp, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub, "ver": 1, "iat": time.Now().Unix()}).SignedString([]byte(testJWTSecret))
	require.NoError(t, err)
	otherUser, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "999999", "ver": 1, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(testJWTSecret))
	require.NoError(t, err)
	futureVer, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub, "ver": 2, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(testJWTSecret))
	require.NoError(t, err)

	// A service whose clock is two hours behind issues tokens that expired
	// an hour ago.
	past, err := auth.NewService(auth.Options{Pool: b.db.Pool, JWTSecret: []byte(testJWTSecret),
		BcryptCost: bcrypt.MinCost, Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }})
	require.NoError(t, err)
	expired, err := past.Login(context.Background(), "ada@example.com", "correct horse battery")
	require.NoError(t, err)

	parts := strings.Split(token, ".")
	tampered := parts[0] + "." + parts[1] + "x." + parts[2]

	cases := map[string]string{
		"alg none": none, "RS256": rs256, "HS512": hs512, "wrong secret": wrongSecret,
		"no exp": noExp, "unknown user": otherUser, "future version": futureVer,
		"expired": expired.Token, "tampered": tampered, "garbage": "not.a.jwt",
		"oversized": strings.Repeat("a", auth.MaxTokenBytes+1),
	}
	var first string
	for name, tok := range cases {
		rec := b.do(request{method: http.MethodGet, path: "/api/auth/me", token: tok})
		requireError(t, rec, http.StatusUnauthorized, "unauthorized")
		require.Contains(t, rec.Header().Get("WWW-Authenticate"), `error="invalid_token"`, name)
		if first == "" {
			first = rec.Body.String()
		}
		require.Equal(t, first, rec.Body.String(), name)
	}

	// The genuine token still works, until the user's token version moves
	// on, as a password reset does.
	require.Equal(t, http.StatusOK, b.do(request{method: http.MethodGet, path: "/api/tasks", token: token}).Code)
	hash, err := b.auth.HashPassword("correct horse battery")
	require.NoError(t, err)
	_, err = auth.SetPassword(context.Background(), b.db.Pool, userID, hash)
	require.NoError(t, err)
	requireError(t, b.do(request{method: http.MethodGet, path: "/api/auth/me", token: token}), http.StatusUnauthorized, "unauthorized")
	requireError(t, b.do(request{method: http.MethodGet, path: "/api/tasks", token: token}), http.StatusUnauthorized, "unauthorized")

	// A fresh login carries the new version.
	fresh := b.login("ada@example.com", "correct horse battery")
	require.Equal(t, http.StatusOK, b.do(request{method: http.MethodGet, path: "/api/auth/me", token: fresh}).Code)
}

// TestAuthLogsLeakNothing runs the account flow and checks that the logs
// hold no password, token or full address.
func TestAuthLogsLeakNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *config.API) {})
	token := b.newUser("secret.person@example.com")
	b.do(request{method: http.MethodPost, path: "/api/auth/login", body: `{"email":"secret.person@example.com","password":"wrong password!"}`})
	b.do(request{method: http.MethodGet, path: "/api/auth/me", token: token})
	logs := b.logs.String()
	require.Contains(t, logs, `"route":"/api/auth/login"`)
	for _, leaked := range []string{"secret.person", "correct horse battery", "wrong password!", token} {
		require.NotContains(t, logs, leaked)
	}
}

// TestResetPasswordAnswersTheAddress: a successful reset answers with the
// account's address, so that the web app can fill in the sign-in form, and
// the address stays out of the logs.
func TestResetPasswordAnswersTheAddress(t *testing.T) {
	t.Parallel()
	b := setup(t)
	token := b.liveResetToken("secret.person@example.com")
	rec := b.do(request{method: http.MethodPost, path: "/api/auth/reset-password",
		body: `{"token":"` + token + `","new_password":"a perfectly fine password"}`})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, map[string]any{
		"message": "Your password has been changed. Sign in with your new password.",
		"email":   "secret.person@example.com",
	}, decode(t, rec))
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	logs := b.logs.String()
	require.Contains(t, logs, `"route":"/api/auth/reset-password"`)
	require.NotContains(t, logs, "secret.person")
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
