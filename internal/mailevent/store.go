package mailevent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/todoapp/resetmail/internal/postgres"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// Store keeps events and the suppression list in Postgres.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore uses pool.
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool}
}

// Recorded says what Record changed.
type Recorded struct {
	// New are the events stored for the first time; a redelivery is not.
	New []Event
	// Suppressed counts the addresses these events added to the list.
	Suppressed int
}

// Record stores events, all or none, in one transaction. An event seen
// before (same provider, event ID and recipient) changes nothing: it is
// not stored again and does not suppress again, so that a provider's
// retries, or an attacker replaying a captured request, count once.
func (s *Store) Record(ctx context.Context, events []Event) (Recorded, error) {
	var out Recorded
	if len(events) == 0 {
		return out, nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, e := range events {
			row, err := dbsqlc.New().MailEventRecord(ctx, tx, dbsqlc.MailEventRecordParams{
				Provider: e.Provider, EventID: e.EventID, Recipient: e.Recipient, Type: e.Type,
				MessageID: optional(e.MessageID), OccurredAt: e.OccurredAt, Detail: e.Detail,
			})
			if err != nil {
				return fmt.Errorf("record %s %s event: %w", e.Provider, e.Type, err)
			}
			if row.Inserted {
				out.New = append(out.New, e)
			}
			if row.Suppressed {
				out.Suppressed++
			}
		}
		return nil
	})
	if err != nil {
		return Recorded{}, err
	}
	return out, nil
}

// Suppress puts addr on the list for reason (a Reason* value, or an
// event type that suppresses). added is false when it was already there;
// the first reason stays.
func (s *Store) Suppress(ctx context.Context, addr, reason, source, messageID string) (added bool, err error) {
	return dbsqlc.New().SuppressionAdd(ctx, s.pool, dbsqlc.SuppressionAddParams{
		Email: Key(addr), Reason: reason, Source: source, MessageID: optional(messageID),
	})
}

// Unsuppress takes addr off the list; removed is false when it was not on
// it. Its past events stay, for the trace.
func (s *Store) Unsuppress(ctx context.Context, addr string) (removed bool, err error) {
	n, err := dbsqlc.New().SuppressionRemove(ctx, s.pool, Key(addr))
	return n > 0, err
}

// Suppressed reports whether addr is on the list.
func (s *Store) Suppressed(ctx context.Context, addr string) (bool, error) {
	return dbsqlc.New().SuppressionCheck(ctx, s.pool, Key(addr))
}

// Suppression is one entry of the list.
type Suppression struct {
	Email     string
	Reason    string
	Source    string
	MessageID string
	CreatedAt time.Time
}

// List returns the whole list, newest first.
func (s *Store) List(ctx context.Context) ([]Suppression, error) {
	rows, err := dbsqlc.New().SuppressionList(ctx, s.pool)
	if err != nil {
		return nil, err
	}
	out := make([]Suppression, 0, len(rows))
	for _, r := range rows {
		out = append(out, Suppression{Email: r.Email, Reason: r.Reason, Source: r.Source, MessageID: postgres.Text(r.MessageID), CreatedAt: r.CreatedAt})
	}
	return out, nil
}

// lookup returns addr's entry, or nil.
func (s *Store) lookup(ctx context.Context, addr string) (*Suppression, error) {
	r, err := dbsqlc.New().SuppressionGet(ctx, s.pool, Key(addr))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &Suppression{Email: r.Email, Reason: r.Reason, Source: r.Source, MessageID: postgres.Text(r.MessageID), CreatedAt: r.CreatedAt}, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
