package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/todoapp/resetmail/internal/hibernate"
)

// Hibernation is the worker's sleep state and its wakes; it implements
// hibernate.Observer. Both are read from memory, so a scrape of a
// sleeping worker runs no query.
type Hibernation struct {
	state *prometheus.GaugeVec
	wakes *prometheus.CounterVec
}

// NewHibernation registers the hibernation metrics on reg, with the worker
// awake.
func NewHibernation(reg prometheus.Registerer) *Hibernation {
	h := &Hibernation{
		state: gaugeVec(reg, "resetmail_worker_state",
			"1 for the worker's current state (awake: River runs; asleep: WORKER_IDLE_AFTER passed, no database connection open), 0 for the other.", "state"),
		wakes: counterVec(reg, "resetmail_worker_wakes_total",
			"Times a sleeping worker woke, by reason: wake request (POST /wake), job due (a retry, a snooze, a rescue), sweep (WORKER_IDLE_SWEEP).", "reason"),
	}
	for _, r := range []string{hibernate.ReasonRequest, hibernate.ReasonJobDue, hibernate.ReasonSweep} {
		h.wakes.WithLabelValues(r)
	}
	h.StateChanged(hibernate.Awake)
	return h
}

// StateChanged implements hibernate.Observer.
func (h *Hibernation) StateChanged(s hibernate.State) {
	for _, each := range []hibernate.State{hibernate.Awake, hibernate.Asleep} {
		v := 0.0
		if each == s {
			v = 1
		}
		h.state.WithLabelValues(string(each)).Set(v)
	}
}

// Woke implements hibernate.Observer.
func (h *Hibernation) Woke(reason string) { h.wakes.WithLabelValues(reason).Inc() }

// Wake counts the API's wake calls to the workers; it implements
// wake.Observer.
type Wake struct {
	sent, failed prometheus.Counter
}

// NewWake registers the API's wake counters on reg.
func NewWake(reg prometheus.Registerer) *Wake {
	return &Wake{
		sent: counter(reg, "resetmail_worker_wakes_sent_total",
			"Wake calls (POST WORKER_WAKE_URLS) a worker accepted."),
		failed: counter(reg, "resetmail_worker_wake_failures_total",
			"Wake calls that failed after their retries; a sleeping worker then finds the job at its next WORKER_IDLE_SWEEP."),
	}
}

// WakeSent implements wake.Observer.
func (w *Wake) WakeSent() { w.sent.Inc() }

// WakeFailed implements wake.Observer.
func (w *Wake) WakeFailed() { w.failed.Inc() }
