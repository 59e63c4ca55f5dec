// Package health serves the liveness and readiness endpoints shared by the
// API and the worker.
package health

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// Check reports whether one dependency is usable. It returns a short reason
// on failure, safe to show publicly, and the underlying error for the log.
type Check func(ctx context.Context) error

// Problem is a Check failure whose text is safe to show, such as "smtp
// 535 at auth: authentication failed". Readiness puts it in the response
// in place of "unreachable", so that on-call reads the cause at the probe.
type Problem string

func (p Problem) Error() string { return string(p) }

// Liveness answers 200 as long as the process can serve HTTP. It never
// touches a dependency, so an orchestrator does not restart a healthy
// process because its database blipped.
func Liveness() http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}
}

// Readiness runs every check with timeout and answers 200 when all pass, or
// 503 with the failing checks' names. Reasons are logged, not returned,
// because error text can carry host names and internal detail.
func Readiness(logger *slog.Logger, timeout time.Duration, checks map[string]Check) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		failed := map[string]string{}
		for name, check := range checks {
			if err := check(ctx); err != nil {
				failed[name] = "unreachable"
				var p Problem
				if errors.As(err, &p) {
					failed[name] = string(p)
				}
				logger.WarnContext(ctx, "readiness check failed", slog.String("check", name), slog.Any("err", err))
			}
		}
		if len(failed) > 0 {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{
				"status": "unavailable",
				"reason": "dependency unreachable or misconfigured",
				"checks": failed,
			})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WhileAsleep is the /readyz of a worker that can hibernate: while asleep
// returns true it answers 200 with "state":"asleep" and touches nothing, so
// that a probe never wakes the database; otherwise awake answers.
func WhileAsleep(asleep func() bool, awake http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if asleep() {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "state": "asleep"})
			return
		}
		awake.ServeHTTP(w, r)
	})
}
