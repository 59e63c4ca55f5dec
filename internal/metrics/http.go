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
	return &HTTP{
		requests: counterVec(reg, "resetmail_http_requests_total",
			"HTTP requests by method, route pattern and status.", "method", "route", "status"),
		duration: histogramVec(reg, "resetmail_http_request_duration_seconds",
			"HTTP request latency by method, route pattern and status.",
			[]float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}, "method", "route", "status"),
	}
}

// Observe records one request. route is the pattern ("/api/tasks/:id"),
// never the raw path, so that IDs cannot explode the label set.
func (h *HTTP) Observe(method, route string, status int, d time.Duration) {
	s := strconv.Itoa(status)
	h.requests.WithLabelValues(method, route, s).Inc()
	h.duration.WithLabelValues(method, route, s).Observe(d.Seconds())
}
