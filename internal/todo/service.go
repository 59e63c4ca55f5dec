package todo

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/todoapp/resetmail/internal/apperr"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// Service reads and writes tasks, always on behalf of one user.
type Service struct {
	pool *pgxpool.Pool
}

// NewService returns a Service over pool.
func NewService(pool *pgxpool.Pool) *Service {
	return &Service{pool: pool}
}

// errNotFound is the answer for a task that does not exist and for one that
// belongs to another user alike, so IDs cannot be probed.
func errNotFound() *apperr.Error { return apperr.New(apperr.CodeNotFound, "No such task.") }

// fromRow converts the row every task query returns.
func fromRow(r dbsqlc.Task, err error) (Task, error) {
	return Task{
		ID: r.ID, Title: r.Title, Description: r.Description, Completed: r.Completed,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}, err
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
	t, err := fromRow(dbsqlc.New().TaskInsert(ctx, s.pool, dbsqlc.TaskInsertParams{
		UserID: userID, Title: title, Description: n.Description, Completed: n.Completed,
	}))
	if err != nil {
		return Task{}, fmt.Errorf("insert task: %w", err)
	}
	return t, nil
}

// Get returns userID's task id, or not_found.
func (s *Service) Get(ctx context.Context, userID, id int64) (Task, error) {
	t, err := fromRow(dbsqlc.New().TaskGet(ctx, s.pool, dbsqlc.TaskGetParams{ID: id, UserID: userID}))
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
	t, err := fromRow(dbsqlc.New().TaskUpdate(ctx, s.pool, dbsqlc.TaskUpdateParams{
		ID: id, UserID: userID, Title: p.Title, Description: p.Description, Completed: p.Completed,
	}))
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
	n, err := dbsqlc.New().TaskDelete(ctx, s.pool, dbsqlc.TaskDeleteParams{ID: id, UserID: userID})
	if err != nil {
		return fmt.Errorf("delete task: %w", err)
	}
	if n == 0 {
		return errNotFound()
	}
	return nil
}
