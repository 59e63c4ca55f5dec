package mailevent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/todoapp/resetmail/internal/postgres"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
	"github.com/todoapp/resetmail/internal/redact"
)

// Trace is the story of the mail behind a request ID, or of every recent
// mail to an address: requested → queued → sent (provider, ID) →
// delivered / bounced / complained, with times, and whether the address
// is suppressed.
type Trace struct {
	// Query is what was asked for: a request ID or an address.
	Query string
	// Messages are the requests found, newest first.
	Messages []Message
	// Other are the address's events that no request here matches: mail
	// sent before the upgrade, through another provider, or a notice.
	Other []Step
	// Suppression is the address's entry on the list, or nil.
	Suppression *Suppression
}

// Message is one request's story.
type Message struct {
	// Kind is "reset" or "signup".
	Kind      string
	RequestID uuid.UUID
	Email     string
	// Outcome is the request's outcome: pending, sent, suppressed, …
	Outcome           string
	JobID             int64
	JobState          string
	Provider          string
	ProviderMessageID string
	Steps             []Step
}

// Step is one moment of a story.
type Step struct {
	At time.Time
	// What is requested, queued, sent, an outcome without a mail
	// (suppressed, no_account, throttled, …), or an event type.
	What string
	// Detail says more: the job, the provider and its message ID, the
	// provider's reason.
	Detail string
}

// ErrTraceQuery is a trace asked for something that is neither a request
// ID nor an address.
var ErrTraceQuery = errors.New("trace needs a request ID (a UUID) or an email address")

// traceRows bounds how many requests one address's trace shows.
const traceRows = 20

// Trace tells the story for query, a request ID or an address.
func (s *Store) Trace(ctx context.Context, query string) (*Trace, error) {
	query = strings.TrimSpace(query)
	t := &Trace{Query: query}
	var id *uuid.UUID
	var email *string
	if u, err := uuid.Parse(query); err == nil {
		id = &u
	} else if strings.Contains(query, "@") {
		k := Key(query)
		email = &k
	} else {
		return nil, fmt.Errorf("%w, not %q", ErrTraceQuery, redact.Addresses(query))
	}
	reqs, err := dbsqlc.New().TraceRequests(ctx, s.pool, dbsqlc.TraceRequestsParams{ID: id, Email: email, MaxRows: traceRows})
	if err != nil {
		return nil, fmt.Errorf("trace requests: %w", err)
	}
	for _, r := range reqs {
		t.Messages = append(t.Messages, message(r))
	}

	if email == nil && len(t.Messages) == 1 {
		// A request's story includes its address's suppression.
		e := t.Messages[0].Email
		email = &e
	}
	ids := []string{}
	byID := map[string]*Message{}
	for i := range t.Messages {
		if m := &t.Messages[i]; m.ProviderMessageID != "" {
			ids = append(ids, m.ProviderMessageID)
			byID[m.ProviderMessageID] = m
		}
	}
	var eventEmail *string
	if id == nil {
		eventEmail = email
	}
	events, err := dbsqlc.New().TraceEvents(ctx, s.pool, dbsqlc.TraceEventsParams{MessageIds: ids, Email: eventEmail})
	if err != nil {
		return nil, fmt.Errorf("trace events: %w", err)
	}
	for _, e := range events {
		st := Step{At: e.OccurredAt, What: e.Type, Detail: strings.TrimSpace(e.Provider + " " + e.Detail)}
		if m := byID[postgres.Text(e.MessageID)]; m != nil {
			m.Steps = append(m.Steps, st)
			continue
		}
		if e.MessageID != nil {
			st.Detail = e.Provider + " message " + *e.MessageID + " " + e.Detail
		}
		t.Other = append(t.Other, st)
	}
	if email != nil {
		if t.Suppression, err = s.lookup(ctx, *email); err != nil {
			return nil, fmt.Errorf("trace suppression: %w", err)
		}
	}
	return t, nil
}

// message is the story of one request row, up to its send.
func message(r dbsqlc.TraceRequestsRow) Message {
	m := Message{Kind: r.Kind, RequestID: r.ID, Email: r.Email, Outcome: r.Outcome, Provider: postgres.Text(r.Provider), ProviderMessageID: postgres.Text(r.ProviderMessageID)}
	m.Steps = append(m.Steps, Step{At: r.CreatedAt, What: "requested"})
	if r.JobID != 0 {
		m.JobID, m.JobState = r.JobID, r.JobState
		m.Steps = append(m.Steps, Step{At: r.QueuedAt, What: "queued", Detail: fmt.Sprintf("job %d (%s)", m.JobID, m.JobState)})
	}
	switch {
	case r.SentAt != nil:
		d := m.Provider
		if m.ProviderMessageID != "" {
			d += " " + m.ProviderMessageID
		}
		m.Steps = append(m.Steps, Step{At: *r.SentAt, What: "sent", Detail: strings.TrimSpace(d)})
	case r.Outcome != "pending":
		// The worker ended it without a mail; the request row keeps no
		// time for that, so the step carries the request's time.
		m.Steps = append(m.Steps, Step{At: r.CreatedAt, What: r.Outcome, Detail: "no mail sent"})
	}
	return m
}

// Write prints t for a terminal. Addresses are masked unless show is true.
func (t *Trace) Write(w io.Writer, show bool) error {
	addr := func(s string) string {
		if show {
			return s
		}
		return redact.Email(s)
	}
	var b strings.Builder
	if len(t.Messages) == 0 && len(t.Other) == 0 && t.Suppression == nil {
		fmt.Fprintf(&b, "nothing found for %s\n", addr(t.Query))
	}
	for _, m := range t.Messages {
		fmt.Fprintf(&b, "%s request %s to %s: %s\n", m.Kind, m.RequestID, addr(m.Email), m.Outcome)
		for _, s := range m.Steps {
			writeStep(&b, s)
		}
	}
	if len(t.Other) > 0 {
		fmt.Fprintf(&b, "events for %s matching no request here\n", addr(t.Query))
		for _, s := range t.Other {
			writeStep(&b, s)
		}
	}
	if s := t.Suppression; s != nil {
		fmt.Fprintf(&b, "%s is suppressed since %s: %s (%s", addr(s.Email), s.CreatedAt.UTC().Format(time.RFC3339), s.Reason, s.Source)
		if s.MessageID != "" {
			fmt.Fprintf(&b, ", message %s", s.MessageID)
		}
		b.WriteString("); `worker suppression remove` lets mail through again\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeStep(b *strings.Builder, s Step) {
	fmt.Fprintf(b, "  %s  %-12s %s\n", s.At.UTC().Format("2006-01-02 15:04:05.000Z"), s.What, s.Detail)
}
