package metrics

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewRegistry returns a registry with the Go runtime and process collectors,
// the usual baseline for a Go service.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Endpoint is /metrics. Anyone who can reach the listener may read Public;
// Private holds the series that change with whether an address has an
// account (the worker's mail outcomes: sent, failed, skipped as no_account
// or throttled), which together with forgot-password would let a reader
// enumerate accounts. Private is served only to a scrape that bears
// METRICS_TOKEN; when a token is set, every scrape must bear it.
type Endpoint struct {
	// Public is always served. Required.
	Public prometheus.Gatherer
	// Private is served only with the token. Defaults to nil: none.
	Private prometheus.Gatherer
	// Token is METRICS_TOKEN. Defaults to empty: no authentication, and
	// Private is not served at all.
	Token string
}

// Handler returns the /metrics handler.
func (e Endpoint) Handler() http.Handler {
	public := promhttp.HandlerFor(e.Public, promhttp.HandlerOpts{})
	if e.Token == "" {
		return public
	}
	all := prometheus.Gatherers{e.Public}
	if e.Private != nil {
		all = append(all, e.Private)
	}
	full := promhttp.HandlerFor(all, promhttp.HandlerOpts{})
	want := sha256.Sum256([]byte("Bearer " + e.Token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Digests have one length, so the comparison takes the same
		// time whatever was sent.
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need Authorization: Bearer $METRICS_TOKEN", http.StatusUnauthorized)
			return
		}
		full.ServeHTTP(w, r)
	})
}
