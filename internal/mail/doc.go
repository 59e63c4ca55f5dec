// Package mail renders and sends the password-reset emails.
//
// It has three parts that the reset job worker wires together:
//
//   - Renderer turns ResetData or PasswordChangedData into a subject, a text
//     part and an HTML part in one language, from templates embedded in the
//     binary (templates/<lang>/<kind>.*.tmpl) that a directory (TEMPLATE_DIR)
//     may override file by file or extend with languages. Pick chooses the
//     language for a preference (see package locale); every template is
//     rendered once at start.
//   - Compose turns a Message (NewMessage builds it from a rendered mail)
//     into RFC 5322 bytes (multipart/alternative) with
//     github.com/jordan-wright/email, after stripping anything that could
//     inject a header. The same mail composes to the same bytes apart from
//     Date and Message-ID, which is what makes `worker preview` the mail.
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
