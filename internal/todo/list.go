package todo

import (
	"context"
	"fmt"

	"github.com/todoapp/resetmail/internal/apperr"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// Page sizes for List.
const (
	// DefaultPageSize is the page size when the client names none.
	DefaultPageSize = 50
	// MaxPageSize is the largest page a client may ask for.
	MaxPageSize = 100
)

// ListParams select and page a user's tasks.
type ListParams struct {
	// Completed, when set, keeps only tasks whose completed flag equals it.
	// Defaults to nil: all tasks.
	Completed *bool
	// Limit is the page size, 1 to MaxPageSize. Defaults to
	// DefaultPageSize when 0.
	Limit int
	// Cursor is the NextCursor of the previous page. Defaults to "": the
	// first page.
	Cursor string
}

// Page is one page of tasks, newest first.
type Page struct {
	// Tasks holds at most Limit tasks; never nil.
	Tasks []Task
	// NextCursor fetches the next page; "" when this is the last.
	NextCursor string
}

// List returns one page of userID's tasks, newest first. Paging is by
// keyset on the task ID, so a page never repeats or skips a task when tasks
// are added or deleted between requests, and deep pages cost no more than
// the first.
func (s *Service) List(ctx context.Context, userID int64, p ListParams) (Page, error) {
	fields := map[string]string{}
	if p.Limit == 0 {
		p.Limit = DefaultPageSize
	}
	if p.Limit < 1 || p.Limit > MaxPageSize {
		fields["limit"] = fmt.Sprintf("must be a whole number between 1 and %d", MaxPageSize)
	}
	var after *int64
	if p.Cursor != "" {
		id, ok := decodeCursor(p.Cursor)
		if !ok {
			fields["cursor"] = "is not a cursor this API returned; start again without one"
		}
		after = &id
	}
	if len(fields) > 0 {
		return Page{}, apperr.Validation(fields)
	}

	// One row more than the page tells whether another page follows.
	rows, err := dbsqlc.New().TaskList(ctx, s.pool, dbsqlc.TaskListParams{
		UserID: userID, Completed: p.Completed, After: after, RowLimit: int32(p.Limit + 1),
	})
	if err != nil {
		return Page{}, fmt.Errorf("list tasks: %w", err)
	}
	page := Page{Tasks: make([]Task, 0, p.Limit+1)}
	for _, r := range rows {
		t, _ := fromRow(r, nil)
		page.Tasks = append(page.Tasks, t)
	}
	if len(page.Tasks) > p.Limit {
		page.Tasks = page.Tasks[:p.Limit]
		page.NextCursor = encodeCursor(page.Tasks[p.Limit-1].ID)
	}
	return page, nil
}
