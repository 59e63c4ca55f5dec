package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// limitBody caps every request body at MAX_BODY_BYTES. A declared
// Content-Length over the cap is refused with 413 before anything is read;
// a chunked body is cut off by http.MaxBytesReader, and decodeJSONBody turns the
// resulting error into the same 413.
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > s.cfg.MaxBodyBytes {
		s.writeError(c, tooLargeError(s.cfg.MaxBodyBytes))
		return
	}
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
	}
	c.Next()
}
