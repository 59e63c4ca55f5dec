package delivery

import "time"

// Failure classes reported to an Observer. They match the labels of the
// email failure metric and the wording on-call sees in the dashboard.
const (
	// ClassTransient is a network error, a timeout or an SMTP 4xx: retried.
	ClassTransient = "transient"
	// ClassPermanent is a message the provider rejected (an SMTP 5xx to the
	// transaction, an invalid or inactive recipient): cancelled.
	ClassPermanent = "permanent"
	// ClassConfig is the provider refusing our configuration or account (a
	// revoked key, AUTH refused, an unverified sender): snoozed, not
	// cancelled.
	ClassConfig = "config"
	// ClassExpired is a request whose link expired before delivery.
	ClassExpired = "expired"
	// ClassExhausted is a transient failure on the last allowed attempt.
	ClassExhausted = "exhausted"
)

// Observer hears what each email job did. internal/metrics implements it;
// NopObserver discards.
type Observer interface {
	// EmailSent is called after the server accepted a mail of kind. send is
	// the SMTP conversation's duration; sinceEnqueue is the time from the
	// job's insertion to the server's acceptance.
	EmailSent(kind string, send, sinceEnqueue time.Duration)
	// EmailFailed is called for each failed attempt, with a Class* value.
	EmailFailed(kind, class string)
	// ResetSkipped is called when a reset request ends without a mail, with
	// a reset.Skip* value.
	ResetSkipped(reason string)
	// EmailSuppressed is called when a mail of kind is not sent because its
	// address is on the suppression list.
	EmailSuppressed(kind string)
}

// NopObserver is an Observer that does nothing.
type NopObserver struct{}

// EmailSent implements Observer.
func (NopObserver) EmailSent(string, time.Duration, time.Duration) {}

// EmailFailed implements Observer.
func (NopObserver) EmailFailed(string, string) {}

// ResetSkipped implements Observer.
func (NopObserver) ResetSkipped(string) {}

// EmailSuppressed implements Observer.
func (NopObserver) EmailSuppressed(string) {}
