package httpapi

import "github.com/gin-gonic/gin"

// answer is a handler's successful answer: a status and the JSON body, or
// no body at all when body is nil (204).
type answer struct {
	status int
	body   any
}

// serve is the one way an API handler answers: h returns its answer or an
// error, and serve writes the error in the JSON error shape (writeError) or
// the answer. Every answer is no-store: securityHeaders already says so for
// all responses, and these carry tokens, accounts and one-time link states,
// which must stay out of caches even if that default ever changes.
func (s *Server) serve(h func(c *gin.Context) (answer, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		a, err := h(c)
		if err != nil {
			s.writeError(c, err)
			return
		}
		c.Header("Cache-Control", "no-store")
		if a.body == nil {
			c.Status(a.status)
			return
		}
		c.JSON(a.status, a.body)
	}
}

// serveJSON is serve for a handler whose input is a JSON body: the body is
// decoded into a Req first, and a body decodeJSONBody refuses (415, 413 or
// 400) is answered without running h.
func serveJSON[Req any](s *Server, h func(c *gin.Context, req Req) (answer, error)) gin.HandlerFunc {
	return s.serve(func(c *gin.Context) (answer, error) {
		var req Req
		if err := decodeJSONBody(c.Request, &req); err != nil {
			return answer{}, err
		}
		return h(c, req)
	})
}
