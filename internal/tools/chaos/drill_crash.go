package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/smtptest"
)

// crashSettings lower the crash-recovery timers so that the rescue after a
// kill happens within the drill. They keep the config rules: JOB_TIMEOUT
// exceeds SMTP_DIAL_TIMEOUT + SMTP_COMMAND_TIMEOUT, and
// RESCUE_STUCK_JOBS_AFTER is at least JOB_TIMEOUT.
func crashSettings() []string {
	return []string{
		"SMTP_DIAL_TIMEOUT", "2s",
		"SMTP_COMMAND_TIMEOUT", "3s",
		"JOB_TIMEOUT", "6s",
		"RESCUE_STUCK_JOBS_AFTER", "10s",
	}
}

// runWorkerCrash runs three workers and SIGKILLs the oldest every interval,
// starting a replacement at once, while resets arrive at a steady rate.
// Nothing may be lost; duplicates may come only from sends in flight at a
// kill, and each must carry the same working link.
func runWorkerCrash(ctx context.Context, d *drillRun) (*Result, error) {
	n := d.size(5000, 400)
	every := d.dur(15*time.Second, 5*time.Second)
	kills := d.size(3, 2)
	// Spread the requests over one interval more than there are kills, so
	// that every kill lands while mail is flowing.
	rate := float64(n) / (every * time.Duration(kills+1)).Seconds()
	latency := 200 * time.Millisecond
	addrs := d.emails(n, nil)
	st, r, err := d.start(ctx, plan{
		workers: 3,
		// A provider's round trip keeps some sends in flight at each kill.
		sink:  smtptest.Options{Latency: latency},
		env:   crashSettings(),
		users: addrs,
		scenario: fmt.Sprintf("%d resets at %.0f/s, 3 workers, sink latency %s; SIGKILL the oldest worker every %s (%d kills) and start a replacement at once",
			n, rate, latency, every, kills),
	})
	if err != nil {
		return nil, err
	}

	t := st.send(ctx, addrs, 16, rate)
	var inflight []int
	for k := 1; k <= kills; k++ {
		if err := sleepUntil(ctx, t.start.Add(time.Duration(k)*every)); err != nil {
			return nil, err
		}
		victim := st.liveWorkers()[0]
		if err := victim.Kill(); err != nil {
			return nil, err
		}
		// The dead worker's jobs stay "running" under its client ID until
		// the rescuer takes them: those are exactly its sends in flight.
		n, err := st.jobsOf(ctx, victim, "running")
		if err != nil {
			return nil, err
		}
		inflight = append(inflight, n)
		d.logf("killed %s with %d jobs in flight; restarting", victim.Name, n)
		if _, err := st.startWorker(ctx); err != nil {
			return nil, err
		}
	}
	l, lost, err := st.settle(ctx, r, t, d.dur(4*time.Minute, 3*time.Minute), nil)
	if err != nil {
		return nil, err
	}
	// A rescued job either had its mail out before the kill (the user
	// waited only for that first copy) or sent it only after the rescue.
	// A rescued job that sends again makes a second copy; how long that
	// took shows the rescue's own latency.
	rescued, afterRescue := 0, 0
	var longestRescued, secondCopy time.Duration
	for email, o := range l.outcomes {
		msgs := l.byRcpt[email]
		if !o.Rescued || len(msgs) == 0 {
			continue
		}
		rescued++
		delay := max(0, msgs[0].At.Sub(l.accepted[email]))
		longestRescued = max(longestRescued, delay)
		if delay > time.Second {
			afterRescue++
		}
		if len(msgs) > 1 {
			secondCopy = max(secondCopy, msgs[len(msgs)-1].At.Sub(l.accepted[email]))
		}
	}
	links := st.checkLinks(ctx, l, 20)
	totalInflight := 0
	for _, n := range inflight {
		totalInflight += n
	}
	all := l.delays(nil)

	r.add("sends in flight at each kill", "%s (total %d)", joinInts(inflight), totalInflight)
	r.add("jobs rescued after a kill", "%d, of which %d had no mail out before the kill", rescued, afterRescue)
	r.add("longest delay of a rescued mail", "%s from 202 to its first copy in the inbox; %s to the latest second copy sent by a rescued job",
		roundDuration(longestRescued), roundDuration(secondCopy))
	r.add("202 to inbox, all mails", "%s", spread(all))
	r.add("duplicated recipients", "%d, each with one link in every copy: %d", links.Duplicated, links.SameLink)
	r.add("links checked via /verify", "%d of %d work (every duplicate plus %d single mails)", links.Working, links.Checked, links.Checked-links.Duplicated)

	r.checkAllAccepted()
	r.checkNoneLost(lost)
	r.check(r.Duplicates <= totalInflight, "%d duplicates, more than the %d sends in flight at the kills", r.Duplicates, totalInflight)
	r.check(len(links.Problems) == 0, "link problems: %v", first(links.Problems, 3))
	return r, nil
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ", ")
}
