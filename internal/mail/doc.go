// Package mail is the provider-neutral core of sending the product's mails,
// which the providers (smtp, resend, postmark, ses, graph) plug into:
//
//   - Compose turns a Message (NewMessage builds it from a Rendered mail,
//     which package templates renders)
//     into RFC 5322 bytes (multipart/alternative) with
//     github.com/jordan-wright/email, after stripping anything that could
//     inject a header. The same mail composes to the same bytes apart from
//     Date and Message-ID, which is what makes `worker preview` the mail.
//   - Gateway is what the jobs send through, whatever the Provider: the
//     shared send-rate cap, the one backoff (a shared pause while the
//     provider is down or refuses our configuration) and the problem
//     /readyz reports. Its errors are *SendError values; Classify names
//     their class, which decides whether the job is retried, snoozed or
//     cancelled.
//
// Nothing in this package logs or returns a password, a reset link or a full
// recipient address: addresses are masked with redact.Email.
package mail
