package httpapi

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
)

// recoverPanic turns a panic in a handler into a logged internal error and a
// JSON 500, instead of a dropped connection. http.ErrAbortHandler is re-raised
// because net/http uses it to abort a response on purpose.
func (s *Server) recoverPanic(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.writeError(c, fmt.Errorf("panic: %v", v))
		}
	}()
	c.Next()
}
