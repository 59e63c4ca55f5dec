package httpapi

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/todoapp/resetmail/internal/apperr"
	"github.com/todoapp/resetmail/internal/clientip"
)

// limitAuth applies the per-client-IP limit (RATE_LIMIT_AUTH_PER_MINUTE,
// RATE_LIMIT_AUTH_BURST) to the unauthenticated endpoints that guess
// passwords, create accounts or send mail. Each route has its own bucket,
// so signing up does not use up a client's login attempts. The client IP is
// clientip's, which believes X-Forwarded-For only from TRUSTED_PROXIES, and
// IPv6 clients are limited per /64.
// With RATE_LIMIT_ENABLED=false it does nothing.
func (s *Server) limitAuth(c *gin.Context) {
	if s.authLimiter == nil {
		c.Next()
		return
	}
	ok, wait := s.authLimiter.allow(c.FullPath() + " " + clientip.Key(s.clientIP.IP(c.Request)))
	if ok {
		c.Next()
		return
	}
	s.writeRateLimited(c, wait, "Too many requests.")
}

// writeRateLimited answers 429 with Retry-After, the one shape of every
// limit's refusal.
func (s *Server) writeRateLimited(c *gin.Context, wait time.Duration, why string) {
	s.writeError(c, rateLimited(c, wait, why))
}

// rateLimited sets Retry-After on c and returns the 429 error that goes
// with it, for a handler that answers through serve.
func rateLimited(c *gin.Context, wait time.Duration, why string) error {
	secs := retryAfterSeconds(wait)
	c.Header("Retry-After", strconv.Itoa(secs))
	return &apperr.Error{
		Code:    apperr.CodeRateLimited,
		Message: fmt.Sprintf("%s Try again in %d seconds.", why, secs),
		Details: map[string]any{"retry_after_seconds": secs},
	}
}
