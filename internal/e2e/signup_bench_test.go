package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkSignupNewVsExisting measures register's latency, against the real
// binaries, for addresses with and without an account, interleaved so that
// both meet the same machine. Each iteration sends 200 of each and reports
// both medians and their difference in percent of the smaller one: with
// SIGNUP_VERIFICATION=required both paths must do the same work (issue 13,
// item 5). Run it with
//
//	go test -run '^$' -bench BenchmarkSignupNewVsExisting -benchtime 1x ./internal/e2e
func BenchmarkSignupNewVsExisting(b *testing.B) {
	const tries = 200
	bundle := setup(b, bundleOpts{extra: signupEnv})
	require.Equal(b, http.StatusAccepted, bundle.signup(b, "owner@example.com", "the owner password", "Owner").status)
	require.Equal(b, http.StatusCreated, bundle.verifyFromMail(b, 1, "the owner password").status)
	round := 0
	for b.Loop() {
		round++
		var newMs, existingMs []float64
		for i := range tries {
			// Alternate which goes first, so that neither always follows
			// the other's work.
			order := []bool{true, false}
			if i%2 == 1 {
				order = []bool{false, true}
			}
			for _, existing := range order {
				email := fmt.Sprintf("new-%d-%d@example.com", round, i)
				if existing {
					email = "owner@example.com"
				}
				start := time.Now()
				r := bundle.signup(b, email, "a bench password", "Bench")
				took := float64(time.Since(start).Microseconds()) / 1000
				require.Equal(b, http.StatusAccepted, r.status)
				if existing {
					existingMs = append(existingMs, took)
				} else {
					newMs = append(newMs, took)
				}
			}
		}
		mn, me := median(newMs), median(existingMs)
		b.ReportMetric(mn, "new-median-ms")
		b.ReportMetric(me, "existing-median-ms")
		b.ReportMetric(100*(max(mn, me)-min(mn, me))/min(mn, me), "diff-%")
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
