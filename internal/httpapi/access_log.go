package httpapi

import (
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"
)

// accessLog records each request's metrics and writes one line per request: method, route pattern, status and
// duration. It never logs the query string or the body, which can carry
// tokens and addresses; the route pattern ("/api/tasks/:id") also keeps IDs
// out of the log.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	took := time.Since(start)
	if s.metrics != nil {
		s.metrics.Observe(c.Request.Method, route, c.Writer.Status(), took)
	}
	s.logger.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
		slog.String("request_id", requestIDFrom(c)),
		slog.String("method", c.Request.Method),
		slog.String("route", route),
		slog.Int("status", c.Writer.Status()),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000),
		slog.Int("bytes", max(c.Writer.Size(), 0)),
	)
}
