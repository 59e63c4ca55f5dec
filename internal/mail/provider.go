package mail

import (
	"context"
	"errors"
	"time"
)

// Provider names (MAIL_PROVIDER).
const (
	// ProviderSMTP speaks SMTP to SMTP_HOST; the default.
	ProviderSMTP = "smtp"
	// ProviderResend calls Resend's HTTPS API.
	ProviderResend = "resend"
	// ProviderPostmark calls Postmark's HTTPS API.
	ProviderPostmark = "postmark"
	// ProviderSES calls Amazon SES (API v2) through the AWS SDK.
	ProviderSES = "ses"
	// ProviderGraph calls Microsoft Graph's sendMail with an OAuth token.
	ProviderGraph = "graph"
)

// Outgoing is one rendered mail, ready for any provider. Every provider
// sends the same From, To, Subject, text and HTML parts and extra headers.
type Outgoing struct {
	// Message is what Compose would turn into RFC 5322 bytes. Its MessageID
	// and Date stay empty for the HTTPS providers, which set their own.
	Message
	// IdempotencyKey identifies the mail across attempts and workers, so a
	// provider that supports it (Resend) sends it at most once. Default ""
	// sends no key.
	IdempotencyKey string
	// Hold is set by the Gateway; a provider that queues before it opens a
	// connection checks it there. Default zero never holds.
	Hold Hold
}

// Receipt is what a provider says about a mail it accepted: the ID its
// delivery events (webhooks) will carry, which the worker stores with the
// send so that one message's story can be told (`worker trace`).
type Receipt struct {
	// Provider is one of the Provider* constants. The Gateway fills it in.
	Provider string
	// MessageID is the provider's ID of the mail: Resend's id, Postmark's
	// MessageID, SES's MessageId, or for SMTP the Message-ID header we
	// sent (without its angle brackets). Empty when the provider gives
	// none (Microsoft Graph's sendMail).
	MessageID string
}

// Provider delivers one Outgoing mail. Implementations return the receipt
// once the provider accepted the mail, or a *SendError that Classify
// understands.
type Provider interface {
	// Name is one of the Provider* constants; metrics and errors carry it.
	Name() string
	// Send delivers m. It never outlives ctx.
	Send(ctx context.Context, m Outgoing) (Receipt, error)
}

// Failure classes that Classify returns. They decide what the job does.
const (
	// ClassTransient is one message failing for a reason a retry may fix:
	// a network error, a timeout, an SMTP 4xx, an HTTP 5xx. Retried with the
	// job's backoff, using an attempt.
	ClassTransient = "transient"
	// ClassOutage is a provider that cannot be reached, or is up but
	// refuses everything (SMTP 421, HTTP 503). Snoozed, no attempt used.
	ClassOutage = "outage"
	// ClassThrottled is the provider asking us to slow down (HTTP 429).
	// Snoozed for its Retry-After, no attempt used.
	ClassThrottled = "throttled"
	// ClassRejected is permanent for this message: an invalid or inactive
	// recipient, a rejected message. Cancelled on the first attempt.
	ClassRejected = "rejected"
	// ClassConfig is our configuration or the provider account: a bad or
	// revoked key, SMTP AUTH refused, an unverified sender, a certificate
	// that does not verify, a suspended account. Not the message's fault:
	// snoozed, no attempt used, and /readyz reports it.
	ClassConfig = "config"
)

// Classify names the class of a Send error: the Class its provider gave
// it. Errors without one (not built by a provider) are transient, or an
// outage when they say nothing could be reached: a bounded retry is the
// safer default for an unknown failure.
func Classify(err error) string {
	var se *SendError
	if !errors.As(err, &se) {
		return ClassTransient
	}
	switch {
	case se.Class != "":
		return se.Class
	case se.Temporary && se.Stage == StageDial:
		return ClassOutage
	}
	return ClassTransient
}

// RetryAfter is how long the provider asked us to wait, or zero.
func RetryAfter(err error) time.Duration {
	var se *SendError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}
