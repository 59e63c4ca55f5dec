// Package webhook verifies and reads the delivery events that mail
// providers post to the API: Resend's (signed by Svix), Postmark's (HTTP
// basic auth) and Amazon SES's (published through SNS, signed with an
// X.509 certificate). Each receiver turns a verified request into
// mailevent.Events; internal/httpapi stores them.
//
// The order of the checks is the same for every provider and decides the
// answer: a request that fails authentication (a bad or missing signature,
// a stale timestamp, wrong credentials) is ErrUnauthorized (401) and
// nothing of it is read further; a verified body that is not the JSON the
// provider documents is ErrMalformed (400); an event type we do not use is
// no error and yields no events (2xx, so the provider stops retrying).
// SNS is the exception to "authenticate first": its signature covers
// fields of the JSON body, so the body is parsed before it is verified.
package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrUnauthorized is a request that could not be authenticated.
var ErrUnauthorized = errors.New("webhook: not authenticated")

// ErrMalformed is an authenticated request whose body is not what the
// provider documents.
var ErrMalformed = errors.New("webhook: malformed body")

// ErrForbidden is an authenticated SNS message from a topic other than
// SES_SNS_TOPIC_ARN.
var ErrForbidden = errors.New("webhook: unexpected topic")

// MaxBody is the largest webhook body read, in bytes. An SNS message is at
// most 256 KiB; Resend's and Postmark's events are a few KiB unless
// Postmark is told to include the bounced message's content, which the
// guide (docs/deployment/mail-providers.md) says to leave off.
const MaxBody = 256 << 10

// unauthorized wraps ErrUnauthorized with the reason, for the log.
func unauthorized(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnauthorized, fmt.Sprintf(format, args...))
}

// malformed wraps ErrMalformed with the reason, for the client.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// decodeStrict decodes one JSON value into v and refuses trailing data.
// Unknown fields are fine: providers add fields without notice.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return malformed("not the documented JSON: %v", err)
	}
	if dec.More() {
		return malformed("trailing data after the JSON object")
	}
	return nil
}
