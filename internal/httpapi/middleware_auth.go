package httpapi

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/todoapp/resetmail/internal/apperr"
	"github.com/todoapp/resetmail/internal/auth"
)

// userKey is where requireAuth stores the authenticated user in gin's
// context.
const userKey = "auth_user"

// requireAuth lets a request through only with a valid access token in
// "Authorization: Bearer <token>". The token is checked against the user's
// current token version on every request, so a password change revokes
// older tokens at once.
func (s *Server) requireAuth(c *gin.Context) {
	raw, ok := bearerToken(c.GetHeader("Authorization"))
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="api"`)
		s.writeError(c, apperr.New(apperr.CodeUnauthorized, "Sign in first, then send the access token as: Authorization: Bearer <token>."))
		return
	}
	user, err := s.auth.Authenticate(c.Request.Context(), raw)
	if err != nil {
		if apperr.CodeOf(err) == apperr.CodeUnauthorized {
			c.Header("WWW-Authenticate", `Bearer realm="api", error="invalid_token"`)
		}
		s.writeError(c, err)
		return
	}
	c.Set(userKey, user)
	c.Next()
}

// bearerToken extracts the token from an Authorization header. The scheme
// is case-insensitive, as RFC 7235 says.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// currentUser is the user requireAuth authenticated. It must only be called
// behind requireAuth; anywhere else it is a programming error and panics,
// which recoverPanic turns into a logged 500.
func currentUser(c *gin.Context) auth.User {
	return c.MustGet(userKey).(auth.User)
}
