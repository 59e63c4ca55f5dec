package providertest

import (
	"crypto/tls"
	"crypto/x509"
	"net/http/httptest"
	"sync"
)

// The stand-ins' state is written by their handlers and read by the test,
// each field under its server's mutex; get, set and snapshot are those
// one-field critical sections.

// get reads *p under mu.
func get[T any](mu *sync.Mutex, p *T) T {
	mu.Lock()
	defer mu.Unlock()
	return *p
}

// set writes v to *p under mu.
func set[T any](mu *sync.Mutex, p *T, v T) {
	mu.Lock()
	*p = v
	mu.Unlock()
}

// snapshot copies *p under mu, so that the caller may keep it while the
// handlers append.
func snapshot[T any](mu *sync.Mutex, p *[]T) []T {
	mu.Lock()
	defer mu.Unlock()
	return append([]T(nil), *p...)
}

// start starts srv, over TLS with cfg and httptest's own certificate when
// useTLS, else plain HTTP on loopback.
func start(srv *httptest.Server, useTLS bool, cfg *tls.Config) {
	if !useTLS {
		srv.Start()
		return
	}
	srv.TLS = cfg
	srv.StartTLS()
}

// rootCAs trusts srv's certificate; empty when srv serves plain HTTP.
func rootCAs(srv *httptest.Server) *x509.CertPool {
	pool := x509.NewCertPool()
	if srv.Certificate() != nil {
		pool.AddCert(srv.Certificate())
	}
	return pool
}
