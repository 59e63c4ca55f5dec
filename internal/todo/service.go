package todo

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/todoapp/resetmail/internal/apperr"
	appsql "github.com/todoapp/resetmail/sql"
)

// Service reads and writes tasks, always on behalf of one user.
type Service struct {
	pool    *pgxpool.Pool
	queries *appsql.Queries
}

// NewService returns a Service over pool using the named queries.
func NewService(pool *pgxpool.Pool, queries *appsql.Queries) *Service {
	return &Service{pool: pool, queries: queries}
}

// errNotFound is the answer for a task that does not exist and for one that
// belongs to another user alike, so IDs cannot be probed.
func errNotFound() *apperr.Error { return apperr.New(apperr.CodeNotFound, "No such task.") }

// scanTask reads the columns every task query returns, in order.
func scanTask(row pgx.Row) (Task, error) {
	var t Task
	err := row.Scan(&t.ID, &t.Title, &t.Description, &t.Completed, &t.CreatedAt, &t.UpdatedAt)
	return t, err
}

// Create validates n and inserts it for userID.
func (s *Service) Create(ctx context.Context, userID int64, n NewTask) (Task, error) {
	fields := map[string]string{}
	title, msg := checkTitle(n.Title)
	if msg != "" {
		fields["title"] = msg
	}
	if msg := checkDescription(n.Description); msg != "" {
		fields["description"] = msg
	}
	if len(fields) > 0 {
		return Task{}, apperr.Validation(fields)
	}
	t, err := scanTask(s.pool.QueryRow(ctx, s.queries.Get("task_insert"), userID, title, n.Description, n.Completed))
	if err != nil {
		return Task{}, fmt.Errorf("insert task: %w", err)
	}
	return t, nil
}

// Get returns userID's task id, or not_found.
func (s *Service) Get(ctx context.Context, userID, id int64) (Task, error) {
	t, err := scanTask(s.pool.QueryRow(ctx, s.queries.Get("task_get"), id, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Task{}, errNotFound()
	}
	if err != nil {
		return Task{}, fmt.Errorf("get task: %w", err)
	}
	return t, nil
}

// Update applies p to userID's task id and returns the result. An empty
// patch is a validation error, because it is almost always a client bug.
func (s *Service) Update(ctx context.Context, userID, id int64, p Patch) (Task, error) {
	if p.Title == nil && p.Description == nil && p.Completed == nil {
		return Task{}, &apperr.Error{
			Code:    apperr.CodeValidation,
			Message: "Send at least one of title, description or completed.",
			Details: map[string]any{"fields": map[string]string{}},
		}
	}
	fields := map[string]string{}
	if p.Title != nil {
		title, msg := checkTitle(*p.Title)
		if msg != "" {
			fields["title"] = msg
		}
		p.Title = &title
	}
	if p.Description != nil {
		if msg := checkDescription(*p.Description); msg != "" {
			fields["description"] = msg
		}
	}
	if len(fields) > 0 {
		return Task{}, apperr.Validation(fields)
	}
	t, err := scanTask(s.pool.QueryRow(ctx, s.queries.Get("task_update"), id, userID, p.Title, p.Description, p.Completed))
	if errors.Is(err, pgx.ErrNoRows) {
		return Task{}, errNotFound()
	}
	if err != nil {
		return Task{}, fmt.Errorf("update task: %w", err)
	}
	return t, nil
}

// Delete removes userID's task id, or returns not_found.
func (s *Service) Delete(ctx context.Context, userID, id int64) error {
	tag, err := s.pool.Exec(ctx, s.queries.Get("task_delete"), id, userID)
	if err != nil {
		return fmt.Errorf("delete task: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return errNotFound()
	}
	return nil
}
