package main

import (
	"math/rand/v2"
	"sync/atomic"

	"github.com/todoapp/resetmail/internal/smtptest"
)

// faultStats counts the faults a drill injected, so the report can show the
// sink really was as flaky as claimed.
type faultStats struct {
	tempFails atomic.Int64
	drops     atomic.Int64
}

// tempFailRate answers RCPT with 451 on a fraction p of attempts, the way a
// provider under load or greylisting does.
func (fs *faultStats) tempFailRate(p float64) smtptest.FaultFunc {
	return func(a smtptest.Attempt) smtptest.Fault {
		if a.Stage == smtptest.StageRcpt && rand.Float64() < p {
			fs.tempFails.Add(1)
			return smtptest.Fault{Code: 451, EnhancedCode: "4.3.0", Text: "try again later"}
		}
		return smtptest.Fault{}
	}
}

// dropDataRate closes the connection in the middle of a fraction p of
// message bodies, without a reply.
func (fs *faultStats) dropDataRate(p float64) smtptest.FaultFunc {
	return func(a smtptest.Attempt) smtptest.Fault {
		if a.Stage == smtptest.StageData && rand.Float64() < p {
			fs.drops.Add(1)
			return smtptest.Fault{Drop: true}
		}
		return smtptest.Fault{}
	}
}
