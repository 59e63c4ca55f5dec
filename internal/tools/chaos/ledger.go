package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/smtptest"
	"github.com/todoapp/resetmail/internal/testutil"
)

// ledger compares what the API accepted with what the sink received and
// what the queue recorded. Every request in a drill has its own recipient,
// so deliveries per recipient are deliveries per request.
type ledger struct {
	accepted map[string]time.Time
	byRcpt   map[string][]smtptest.Received
	// outcomes are the reset requests' jobs by address.
	outcomes map[string]jobOutcome
}

func newLedger(accepted map[string]time.Time, msgs []smtptest.Received, outcomes map[string]jobOutcome) *ledger {
	l := &ledger{accepted: accepted, byRcpt: map[string][]smtptest.Received{}, outcomes: outcomes}
	for _, m := range msgs {
		for _, to := range m.To {
			to = strings.ToLower(to)
			l.byRcpt[to] = append(l.byRcpt[to], m)
		}
	}
	return l
}

// tally fills r's headline figures. expectMail says whether an accepted
// address should get a mail at all (a recipient the sink rejects by design
// should not); those that should and got none are lost.
func (l *ledger) tally(r *Result, expectMail func(string) bool) (lost []string) {
	r.Accepted = len(l.accepted)
	r.Delivered, r.Lost, r.Duplicates = 0, 0, 0
	for email := range l.accepted {
		n := len(l.byRcpt[email])
		if n > 0 {
			r.Delivered++
			r.Duplicates += n - 1
		} else if expectMail == nil || expectMail(email) {
			lost = append(lost, email)
		}
	}
	slices.Sort(lost)
	r.Lost = len(lost)
	return lost
}

// unasked counts recipients that got mail although the API did not answer
// 202 for them, e.g. a commit that succeeded while the answer was an error.
func (l *ledger) unasked() int {
	n := 0
	for to := range l.byRcpt {
		if _, ok := l.accepted[to]; !ok {
			n++
		}
	}
	return n
}

// lastDelivery is when the sink accepted its last message, or zero.
func (l *ledger) lastDelivery() time.Time {
	var last time.Time
	for _, msgs := range l.byRcpt {
		for _, m := range msgs {
			if m.At.After(last) {
				last = m.At
			}
		}
	}
	return last
}

// delays returns, for every delivered request, the time from the API's 202
// to the first delivery (clamped at zero: the mail can beat the answer).
func (l *ledger) delays(include func(string) bool) []time.Duration {
	var out []time.Duration
	for email, at := range l.accepted {
		msgs := l.byRcpt[email]
		if len(msgs) == 0 || (include != nil && !include(email)) {
			continue
		}
		out = append(out, max(0, msgs[0].At.Sub(at)))
	}
	slices.Sort(out)
	return out
}

// percentile returns the p-th percentile (0-100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

// spread prints the median, the 99th percentile and the maximum of sorted
// durations, the way every drill reports its delays.
func spread(sorted []time.Duration) string {
	return fmt.Sprintf("p50 %s, p99 %s, max %s", roundDuration(percentile(sorted, 50)), roundDuration(percentile(sorted, 99)), roundDuration(percentile(sorted, 100)))
}

// linkCheck is what checkLinks found.
type linkCheck struct {
	// Duplicated is how many recipients got more than one mail.
	Duplicated int
	// SameLink is how many of those got the same link in every copy.
	SameLink int
	// Working is how many checked links the API accepted.
	Working int
	// Checked is how many links were checked against the API.
	Checked int
	// Problems describe any link that differed or did not work.
	Problems []string
}

// checkLinks proves that every duplicated mail carries one link, that the
// link works (POST /api/auth/reset-password/verify, which does not consume
// it), and checks sample more single deliveries the same way.
func (st *Stack) checkLinks(ctx context.Context, l *ledger, sample int) linkCheck {
	var c linkCheck
	addrs := make([]string, 0, len(l.byRcpt))
	for to := range l.byRcpt {
		addrs = append(addrs, to)
	}
	slices.Sort(addrs)
	for _, to := range addrs {
		msgs := l.byRcpt[to]
		if len(msgs) < 2 {
			if sample <= 0 {
				continue
			}
			sample--
		} else {
			c.Duplicated++
		}
		tokens := map[string]bool{}
		for _, m := range msgs {
			tokens[tokenOf(m)] = true
		}
		if len(msgs) > 1 && len(tokens) == 1 {
			c.SameLink++
		}
		if len(tokens) != 1 || tokens[""] {
			c.Problems = append(c.Problems, fmt.Sprintf("%s: %d mails carry %d different links", to, len(msgs), len(tokens)))
			continue
		}
		for tok := range tokens {
			c.Checked++
			ok, err := st.verify(ctx, tok)
			switch {
			case err != nil:
				c.Problems = append(c.Problems, fmt.Sprintf("%s: verify: %v", to, err))
			case !ok:
				c.Problems = append(c.Problems, fmt.Sprintf("%s: the link in the mail does not work", to))
			default:
				c.Working++
			}
		}
	}
	return c
}

// tokenOf extracts the reset token from a received mail, or "".
func tokenOf(m smtptest.Received) string {
	parsed, err := testutil.ParseMail(m.Data)
	if err != nil {
		return ""
	}
	return testutil.ResetToken(parsed.Text)
}
