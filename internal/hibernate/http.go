package hibernate

import (
	"context"
	"crypto/subtle"
	"net/http"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// WakeHandler serves POST /wake: 204 and wake(ReasonRequest) for
// "Authorization: Bearer <token>", 401 for anything else, without waking.
// The token is compared in constant time. With an empty token every call
// is refused: a worker without WORKER_WAKE_TOKEN takes no wakes. wake must
// not block; Controller.Wake does not.
func WakeHandler(token string, wake func(reason string)) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if token == "" || subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="worker"`)
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"code":"unauthorized","message":"POST /wake needs Authorization: Bearer WORKER_WAKE_TOKEN"}}` + "\n"))
			return
		}
		wake(ReasonRequest)
		w.WriteHeader(http.StatusNoContent)
	})
}

// Middleware tells c about every job River works, so that the worker does
// not sleep with a job in hand and stays awake IdleAfter after the last.
func (c *Controller) Middleware() rivertype.WorkerMiddleware { return &jobTracker{c: c} }

type jobTracker struct {
	river.MiddlewareDefaults
	c *Controller
}

func (t *jobTracker) Work(ctx context.Context, _ *rivertype.JobRow, doInner func(context.Context) error) error {
	t.c.JobStarted()
	defer t.c.JobDone()
	return doInner(ctx)
}
