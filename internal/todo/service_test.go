package todo

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/apperr"
	"github.com/todoapp/resetmail/internal/testdb"
	"github.com/todoapp/resetmail/internal/testdb/testdbsqlc"
)

type testBundle struct {
	svc   *Service
	users []int64
}

// setup gives each test a fresh database with two users.
func setup(t *testing.T) *testBundle {
	t.Helper()
	db := testdb.New(t)
	b := &testBundle{svc: NewService(db.Pool)}
	for _, email := range []string{"ada@example.com", "bob@example.com"} {
		id, err := db.Fixtures.InsertUser(context.Background(), db.Pool, testdbsqlc.InsertUserParams{Email: email, Name: "User", PasswordHash: "not-a-real-hash"})
		require.NoError(t, err)
		b.users = append(b.users, id)
	}
	return b
}

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var ae *apperr.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, apperr.CodeValidation, ae.Code)
	return ae.Details["fields"].(map[string]string)
}

func ptr[T any](v T) *T { return &v }

func TestCreateGetUpdateDelete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	ada, bob := b.users[0], b.users[1]

	task, err := b.svc.Create(ctx, ada, NewTask{Title: " Write report ", Description: "by Friday"})
	require.NoError(t, err)
	require.Equal(t, "Write report", task.Title)
	require.False(t, task.Completed)

	got, err := b.svc.Get(ctx, ada, task.ID)
	require.NoError(t, err)
	require.Equal(t, task, got)

	_, err = b.svc.Get(ctx, bob, task.ID)
	require.Equal(t, apperr.CodeNotFound, apperr.CodeOf(err))
	_, err = b.svc.Update(ctx, bob, task.ID, Patch{Completed: ptr(true)})
	require.Equal(t, apperr.CodeNotFound, apperr.CodeOf(err))
	require.Equal(t, apperr.CodeNotFound, apperr.CodeOf(b.svc.Delete(ctx, bob, task.ID)))

	updated, err := b.svc.Update(ctx, ada, task.ID, Patch{Completed: ptr(true)})
	require.NoError(t, err)
	require.True(t, updated.Completed)
	require.Equal(t, "Write report", updated.Title)
	require.Equal(t, "by Friday", updated.Description)
	require.False(t, updated.UpdatedAt.Before(task.UpdatedAt))

	updated, err = b.svc.Update(ctx, ada, task.ID, Patch{Title: ptr("  Final report "), Description: ptr("")})
	require.NoError(t, err)
	require.Equal(t, "Final report", updated.Title)
	require.Empty(t, updated.Description)
	require.True(t, updated.Completed)

	require.NoError(t, b.svc.Delete(ctx, ada, task.ID))
	require.Equal(t, apperr.CodeNotFound, apperr.CodeOf(b.svc.Delete(ctx, ada, task.ID)))
}

func TestValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	ada := b.users[0]

	_, err := b.svc.Create(ctx, ada, NewTask{Title: "", Description: strings.Repeat("d", MaxDescriptionChars+1)})
	require.Equal(t, map[string]string{"title": "is required", "description": "must be at most 2000 characters"}, fieldsOf(t, err))
	_, err = b.svc.Create(ctx, ada, NewTask{Title: strings.Repeat("t", MaxTitleChars+1)})
	require.Equal(t, map[string]string{"title": "must be at most 200 characters"}, fieldsOf(t, err))
	_, err = b.svc.Create(ctx, ada, NewTask{Title: "a\tb"})
	require.Contains(t, fieldsOf(t, err), "title")
	_, err = b.svc.Create(ctx, ada, NewTask{Title: "ok", Description: "bell\a"})
	require.Contains(t, fieldsOf(t, err), "description")
	_, err = b.svc.Create(ctx, ada, NewTask{Title: "bad \xff utf-8"})
	require.Equal(t, map[string]string{"title": "must be valid UTF-8"}, fieldsOf(t, err))

	task, err := b.svc.Create(ctx, ada, NewTask{Title: "ok", Description: "line one\r\nline two\tend"})
	require.NoError(t, err)
	_, err = b.svc.Update(ctx, ada, task.ID, Patch{})
	require.Empty(t, fieldsOf(t, err))
	_, err = b.svc.Update(ctx, ada, task.ID, Patch{Title: ptr("  ")})
	require.Equal(t, map[string]string{"title": "is required"}, fieldsOf(t, err))
}

func TestListPagesNewestFirst(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	ada, bob := b.users[0], b.users[1]

	for i := range 5 {
		_, err := b.svc.Create(ctx, ada, NewTask{Title: fmt.Sprintf("ada %d", i), Completed: i >= 3})
		require.NoError(t, err)
		_, err = b.svc.Create(ctx, bob, NewTask{Title: fmt.Sprintf("bob %d", i)})
		require.NoError(t, err)
	}

	page, err := b.svc.List(ctx, ada, ListParams{Limit: 2})
	require.NoError(t, err)
	require.Equal(t, []string{"ada 4", "ada 3"}, titles(page))
	require.NotEmpty(t, page.NextCursor)
	page, err = b.svc.List(ctx, ada, ListParams{Limit: 2, Cursor: page.NextCursor})
	require.NoError(t, err)
	require.Equal(t, []string{"ada 2", "ada 1"}, titles(page))
	page, err = b.svc.List(ctx, ada, ListParams{Limit: 2, Cursor: page.NextCursor})
	require.NoError(t, err)
	require.Equal(t, []string{"ada 0"}, titles(page))
	require.Empty(t, page.NextCursor)

	// A page that ends exactly at the last task has no cursor.
	page, err = b.svc.List(ctx, ada, ListParams{Limit: 5})
	require.NoError(t, err)
	require.Len(t, page.Tasks, 5)
	require.Empty(t, page.NextCursor)

	page, err = b.svc.List(ctx, ada, ListParams{Completed: ptr(true)})
	require.NoError(t, err)
	require.Equal(t, []string{"ada 4", "ada 3"}, titles(page))
	page, err = b.svc.List(ctx, ada, ListParams{Completed: ptr(false), Limit: 1})
	require.NoError(t, err)
	require.Equal(t, []string{"ada 2"}, titles(page))

	// Another user's cursor does not reveal anything: it is only an ID
	// bound, and the query still filters on the owner.
	page, err = b.svc.List(ctx, bob, ListParams{Cursor: encodeCursor(1 << 40)})
	require.NoError(t, err)
	require.Len(t, page.Tasks, 5)
	for _, task := range page.Tasks {
		require.True(t, strings.HasPrefix(task.Title, "bob"))
	}

	_, err = b.svc.List(ctx, ada, ListParams{Limit: MaxPageSize + 1, Cursor: "garbage"})
	require.Equal(t, []string{"cursor", "limit"}, slices.Sorted(maps.Keys(fieldsOf(t, err))))
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	for _, id := range []int64{1, 42, 1<<63 - 1} {
		got, ok := decodeCursor(encodeCursor(id))
		require.True(t, ok)
		require.Equal(t, id, got)
	}
	for _, bad := range []string{"", "!!", "MQ", "djI6MQ", "djE6MA", "djE6LTU", "djE6YWJj", strings.Repeat("A", 100)} {
		_, ok := decodeCursor(bad)
		require.False(t, ok, bad)
	}
}

func titles(p Page) []string {
	out := make([]string, 0, len(p.Tasks))
	for _, t := range p.Tasks {
		out = append(out, t.Title)
	}
	return out
}
