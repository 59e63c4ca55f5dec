// Package templates renders the product's mails: Renderer turns ResetData,
// PasswordChangedData, SignupVerifyData or SignupExistsData into a
// mail.Rendered (a subject, a text part and an HTML part in one language)
// from templates embedded in the binary (<lang>/<kind>.*.tmpl beside this
// file) that a directory (TEMPLATE_DIR) may override file by file or extend
// with languages. Pick chooses the language for a preference (see package
// locale); every template is rendered once at start, so a broken one stops
// the worker before it sends anything. Sample renders the sample mails of
// `worker preview` and `worker check-mail`.
//
// Security mail carries no user-chosen text: no data type has a field for
// one.
package templates
