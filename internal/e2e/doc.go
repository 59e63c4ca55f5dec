// Package e2e runs the real api and worker binaries against a real Postgres
// and an in-process SMTP server, and drives them over HTTP the way the web
// app does. Its tests are the proof that the pieces fit.
package e2e
