package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/linktoken"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
	"github.com/todoapp/resetmail/internal/reset"
	"github.com/todoapp/resetmail/internal/testutil"
)

// Fuzz targets for the password-reset endpoints, in the same shape as
// fuzz_test.go: any body, any content type, never a 5xx, every error in the
// standard shape. The reset targets get a live token in their seeds so that
// the fuzzer starts from bodies that reach the database, not only the
// decoder. .ci/fuzz runs each for a bounded time in CI.

// resetSeeds are bodies aimed at the reset endpoints' own checks; token is
// a live token, or "" when the endpoint takes none.
func resetSeeds(token string) []string {
	seeds := []string{
		`{"email":"ada@example.com"}`,
		`{"email":" ADA@EXAMPLE.COM "}`,
		`{"email":"nobody@example.com"}`,
		`{"email":"o'brien@example.com"}`,
		`{"email":"` + strings.Repeat("a", 300) + `@example.com"}`,
		`{"email":"ada@example.com\r\nBcc: victim@example.org"}`,
		`{"email":"Ada <ada@example.com>"}`,
		`{"token":"` + strings.Repeat("A", 43) + `","new_password":"a perfectly fine password"}`,
		`{"token":"not a token","new_password":"x"}`,
		`{"token":"` + strings.Repeat("a", 10000) + `"}`,
		`{"token":null,"new_password":null}`,
		`{"token":43}`,
	}
	if token != "" {
		seeds = append(seeds,
			`{"token":"`+token+`"}`,
			`{"token":"`+token+`","new_password":"short"}`,
			`{"token":"`+token+`","new_password":"`+strings.Repeat("p", 73)+`"}`,
			`{"token":"`+token+`","new_password":"a perfectly fine password"}`,
			`{"token":" `+token+` "}`,
			`{"token":"`+strings.ToUpper(token)+`"}`,
		)
	}
	return seeds
}

func addSeeds(f *testing.F, seeds []string) {
	for _, s := range seeds {
		f.Add("application/json", []byte(s))
	}
}

// liveResetToken registers email, asks for a reset through the API and
// plays the worker's part with its own statement (reset_prepare), so that
// the request holds a usable token. It returns that token.
func (b *testBundle) liveResetToken(email string) string {
	b.t.Helper()
	b.register(email, "correct horse battery", "Ada")
	rec := b.do(request{method: http.MethodPost, path: "/api/auth/forgot-password", body: `{"email":"` + email + `"}`})
	require.Equal(b.t, http.StatusAccepted, rec.Code, rec.Body.String())
	ctx := context.Background()
	id, err := b.db.Fixtures.LatestResetRequest(ctx, b.db.Pool, email)
	require.NoError(b.t, err)
	token := reset.DeriveToken([]byte(testutil.Secret("reset", 40)), id)
	_, err = dbsqlc.New().ResetPrepare(ctx, b.db.Pool, dbsqlc.ResetPrepareParams{ID: id, TokenHash: linktoken.Hash(token)})
	require.NoError(b.t, err)
	rec = b.do(request{method: http.MethodPost, path: "/api/auth/reset-password/verify", body: `{"token":"` + token + `"}`})
	require.Equal(b.t, http.StatusOK, rec.Code, "the seeded token must be live: %s", rec.Body.String())
	return token
}

func FuzzForgotPasswordBody(f *testing.F) {
	b := setup(f)
	b.register("ada@example.com", "correct horse battery", "Ada")
	addSeeds(f, resetSeeds(""))
	fuzzEndpoint(f, http.MethodPost, "/api/auth/forgot-password", b, "")
}

func FuzzResetPasswordBody(f *testing.F) {
	b := setup(f)
	addSeeds(f, resetSeeds(b.liveResetToken("ada@example.com")))
	fuzzEndpoint(f, http.MethodPost, "/api/auth/reset-password", b, "")
}

func FuzzVerifyResetTokenBody(f *testing.F) {
	b := setup(f)
	addSeeds(f, resetSeeds(b.liveResetToken("ada@example.com")))
	fuzzEndpoint(f, http.MethodPost, "/api/auth/reset-password/verify", b, "")
}
