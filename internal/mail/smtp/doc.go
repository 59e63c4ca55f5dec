// Package smtp is the SMTP provider: Sender delivers composed messages
// (mail.Compose) over a small pool of SMTP connections of its own, with
// deadlines, STARTTLS or implicit TLS, AUTH, PIPELINING and an optional
// rate limit; Provider puts it behind the mail.Provider interface that the
// mail.Gateway sends through. Its errors are *mail.SendError values whose
// class (mail.Classify) decides what the job does.
//
// It has no backoff of its own: the Gateway owns the one pause while a
// provider is down.
//
// Check runs the same connection steps one by one for `worker check-mail`.
//
// Nothing in this package logs or returns a password or a full recipient
// address: addresses are masked with redact.
package smtp
