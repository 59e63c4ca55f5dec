// Package smtptest runs an in-process SMTP server on 127.0.0.1 for tests,
// benchmarks and chaos programs. It is built on github.com/emersion/go-smtp
// (which advertises PIPELINING and handles pipelined input) and adds what a
// client's tests need: self-signed TLS (STARTTLS or implicit), AUTH, an idle
// timeout, per-stage fault injection, a down/up switch that keeps the port,
// and counters for connections.
//
// The core API takes no *testing.T so standalone programs can use it; NewT
// is the convenience for tests.
package smtptest
