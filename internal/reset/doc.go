// Package reset is the password-reset pipeline. The API side (Service)
// records a request and enqueues a River job in one transaction, without
// looking the account up, so that its answer reveals nothing. The worker side
// (SendResetWorker) resolves the account, derives the token, renders and
// sends the mail through package delivery, and records the outcome; a
// PasswordChangedWorker tells the owner afterwards. Tokens are HMAC-SHA256
// of the random request ID under RESET_TOKEN_KEY: every delivery attempt of
// one request carries the same working link, and only the token's SHA-256
// hash (linktoken.Hash) is stored.
package reset
