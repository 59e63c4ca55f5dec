// Package apperr is the application's error type. Domain code returns an
// *Error with a Code; the HTTP layer maps each Code to a status in exactly one
// place (internal/httpapi/errors.go). Any other error is internal: it is
// logged with the request ID and shown to users only as internal_error.
package apperr

import (
	"errors"
	"fmt"
)

// Code is a machine-readable error code, sent to clients as error.code.
type Code string

// The codes clients can see.
const (
	// CodeInvalidRequest is a body that is not valid JSON, has unknown
	// fields or wrong types.
	CodeInvalidRequest Code = "invalid_request"
	// CodeValidation is well-formed input that breaks a rule; Details names
	// the fields.
	CodeValidation Code = "validation_failed"
	// CodeInvalidToken is a reset token that is unknown, expired or used.
	CodeInvalidToken Code = "invalid_token"
	// CodeUnauthorized is a missing, invalid or revoked credential.
	CodeUnauthorized Code = "unauthorized"
	// CodeForbidden is a request the caller may never make, such as one
	// from a browser origin outside CORS_ALLOWED_ORIGINS.
	CodeForbidden Code = "forbidden"
	// CodeNotFound is a resource that does not exist for this user.
	CodeNotFound Code = "not_found"
	// CodeConflict is a uniqueness clash such as an email already registered.
	CodeConflict Code = "conflict"
	// CodeTooLarge is a body over the size cap.
	CodeTooLarge Code = "payload_too_large"
	// CodeUnsupportedMediaType is a body that is not application/json.
	CodeUnsupportedMediaType Code = "unsupported_media_type"
	// CodeRateLimited is a client over its rate limit.
	CodeRateLimited Code = "rate_limited"
	// CodeUnavailable is a dependency, usually the database, that cannot be
	// reached right now; clients may retry.
	CodeUnavailable Code = "unavailable"
	// CodeInternal is everything else. Its details are only logged.
	CodeInternal Code = "internal_error"
)

// Error is an error safe to show to a client.
type Error struct {
	// Code classifies the error.
	Code Code
	// Message is a sentence for humans, safe to show.
	Message string
	// Details holds structured extras, such as field errors. May be nil.
	Details map[string]any
	// Err is the underlying cause, logged but never shown.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error with code and message.
func New(code Code, message string) *Error { return &Error{Code: code, Message: message} }

// Errorf returns an *Error whose message is formatted.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Validation returns a validation_failed error with one message per field.
func Validation(fields map[string]string) *Error {
	return &Error{
		Code:    CodeValidation,
		Message: "Some fields are invalid.",
		Details: map[string]any{"fields": fields},
	}
}

// Field is a field that must not be empty: its name, its value, and its
// message when empty ("is required" when Message is "").
type Field struct {
	Name, Value, Message string
}

// Required is the validation error for the fields whose value is empty,
// every one of them, or nil when none is.
func Required(fields ...Field) error {
	msgs := map[string]string{}
	for _, f := range fields {
		if f.Value != "" {
			continue
		}
		msgs[f.Name] = f.Message
		if f.Message == "" {
			msgs[f.Name] = "is required"
		}
	}
	if len(msgs) > 0 {
		return Validation(msgs)
	}
	return nil
}

// CodeOf returns err's code, or CodeInternal when err is not an *Error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
