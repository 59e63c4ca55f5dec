package httpapi

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/todoapp/resetmail/internal/apperr"
)

// statusOf is the one place that maps an error code to an HTTP status.
var statusOf = map[apperr.Code]int{
	apperr.CodeInvalidRequest:       http.StatusBadRequest,
	apperr.CodeValidation:           http.StatusBadRequest,
	apperr.CodeInvalidToken:         http.StatusBadRequest,
	apperr.CodeUnauthorized:         http.StatusUnauthorized,
	apperr.CodeForbidden:            http.StatusForbidden,
	apperr.CodeNotFound:             http.StatusNotFound,
	apperr.CodeConflict:             http.StatusConflict,
	apperr.CodeTooLarge:             http.StatusRequestEntityTooLarge,
	apperr.CodeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	apperr.CodeRateLimited:          http.StatusTooManyRequests,
	apperr.CodeUnavailable:          http.StatusServiceUnavailable,
	apperr.CodeInternal:             http.StatusInternalServerError,
}

// errorBody is the one JSON error shape of every 4xx and 5xx.
type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    apperr.Code    `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// writeError answers with err's status and the JSON error shape. An error
// that is not an *apperr.Error is internal: it is logged with the request ID
// and the client sees only internal_error. A database that cannot be reached
// becomes 503 so that clients and load balancers retry instead of giving up.
func (s *Server) writeError(c *gin.Context, err error) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		if isUnavailable(err) {
			ae = &apperr.Error{Code: apperr.CodeUnavailable, Message: "The service is temporarily unavailable. Try again shortly.", Err: err}
		} else {
			ae = &apperr.Error{Code: apperr.CodeInternal, Message: "An internal error occurred.", Err: err}
		}
	}
	status, ok := statusOf[ae.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		s.logger.ErrorContext(c.Request.Context(), "request failed",
			slog.String("request_id", requestIDFrom(c)),
			slog.String("route", c.FullPath()),
			slog.Any("err", err))
		if ae.Code == apperr.CodeInternal {
			ae = &apperr.Error{Code: apperr.CodeInternal, Message: "An internal error occurred."}
		}
	}
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(status, errorBody{Error: errorPayload{Code: ae.Code, Message: ae.Message, Details: ae.Details}})
}

func (s *Server) handleNotFound(c *gin.Context) {
	s.writeError(c, apperr.New(apperr.CodeNotFound, "No such endpoint."))
}

func (s *Server) handleMethodNotAllowed(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody{Error: errorPayload{Code: "method_not_allowed", Message: "This endpoint does not support that method."}})
}
