package httpapi

import "github.com/gin-gonic/gin"

// hstsValue asks browsers to use https for two years, subdomains included.
// It is sent only in production, where the API is behind TLS; on a
// developer's http://localhost it would be ignored at best.
const hstsValue = "max-age=63072000; includeSubDomains"

// securityHeaders sets the hardening headers on every response, errors
// included. They are set before the handler runs, so a handler that serves
// something other than JSON (the job dashboard) can replace them.
//
// The API answers JSON only, so the CSP forbids every kind of content and
// framing: a response opened in a browser tab can run nothing. no-store
// keeps tokens and personal data out of shared caches and the browser's
// back-forward cache.
func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	if s.cfg.Production() {
		h.Set("Strict-Transport-Security", hstsValue)
	}
	c.Next()
}
