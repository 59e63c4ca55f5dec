// Package mail renders and sends the password-reset emails.
//
// It has three parts that the reset job worker wires together:
//
//   - Renderer turns ResetData or PasswordChangedData into a subject, a text
//     part and an HTML part, from templates embedded in the binary that a
//     directory (TEMPLATE_DIR) may override file by file.
//   - Compose turns a Message into RFC 5322 bytes (multipart/alternative) with
//     github.com/jordan-wright/email, after stripping anything that could
//     inject a header.
//   - Sender delivers those bytes over a small pool of SMTP connections of its
//     own, with deadlines, STARTTLS or implicit TLS, AUTH, PIPELINING, dial
//     backoff and an optional rate limit. Its errors are *SendError values
//     that say whether a retry can help (IsPermanent).
//
// Check runs the same connection steps one by one for `worker check-smtp`.
//
// Nothing in this package logs or returns a password, a reset link or a full
// recipient address: addresses are masked with redact.Email.
package mail
