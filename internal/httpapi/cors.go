package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"

	"github.com/todoapp/resetmail/internal/apperr"
)

// corsPolicy lets the browser origins in CORS_ALLOWED_ORIGINS call the API
// and refuses every other one. Authentication is a bearer token, never a
// cookie, so credentials are not allowed.
type corsPolicy struct {
	allowed map[string]bool
	handler gin.HandlerFunc
}

// newCORSPolicy builds the policy for origins, which config has already
// checked to be scheme://host[:port] values.
func newCORSPolicy(origins []string) *corsPolicy {
	p := &corsPolicy{allowed: make(map[string]bool, len(origins))}
	for _, o := range origins {
		p.allowed[strings.ToLower(strings.TrimRight(o, "/"))] = true
	}
	p.handler = cors.New(cors.Config{
		// A function instead of a list: gin-contrib/cors panics on an empty
		// list, and the lookup is the same map the refusal below uses.
		AllowOriginFunc:  p.allows,
		AllowMethods:     []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodOptions},
		AllowHeaders:     []string{"Authorization", "Content-Type", requestIDHeader},
		ExposeHeaders:    []string{requestIDHeader, "Retry-After"},
		AllowCredentials: false,
		MaxAge:           10 * time.Minute,
	})
	return p
}

func (p *corsPolicy) allows(origin string) bool { return p.allowed[strings.ToLower(origin)] }

// cors answers preflights for allowed origins and adds the CORS headers to
// their requests. A request from any other origin is refused with 403 in
// the standard error shape; gin-contrib/cors would send a bare 403.
// Requests without an Origin header (curl, servers) and same-origin ones
// pass through untouched.
func (s *Server) cors(c *gin.Context) {
	origin := c.GetHeader("Origin")
	host := c.Request.Host
	if origin != "" && origin != "http://"+host && origin != "https://"+host && !s.corsPolicy.allows(origin) {
		s.writeError(c, apperr.New(apperr.CodeForbidden, "This origin is not allowed to call the API."))
		return
	}
	s.corsPolicy.handler(c)
}
