package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// HTTP holds the API's request metrics.
type HTTP struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewHTTP registers the API's request metrics on reg.
func NewHTTP(reg prometheus.Registerer) *HTTP {
	h := &HTTP{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "resetmail_http_requests_total",
			Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "resetmail_http_request_duration_seconds",
			Help:    "HTTP request latency by method, route pattern and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route", "status"}),
	}
	reg.MustRegister(h.requests, h.duration)
	return h
}

// Observe records one request. route is the pattern ("/api/tasks/:id"),
// never the raw path, so that IDs cannot explode the label set.
func (h *HTTP) Observe(method, route string, status int, d time.Duration) {
	s := strconv.Itoa(status)
	h.requests.WithLabelValues(method, route, s).Inc()
	h.duration.WithLabelValues(method, route, s).Observe(d.Seconds())
}
