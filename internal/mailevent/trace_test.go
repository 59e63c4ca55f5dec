package mailevent_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/mailevent"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
	"github.com/todoapp/resetmail/internal/testdb"
)

// TestTraceReadsBothKindsNewestFirst: an address's reset and sign-up
// requests come back as one list, newest first, a reset before a sign-up
// made at the same moment, at most 20 of each kind; a request ID finds its
// one request whatever its kind.
func TestTraceReadsBothKindsNewestFirst(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	q := dbsqlc.New()
	const addr = "Ada@Example.com"
	reset := func(tx dbsqlc.DBTX) uuid.UUID {
		id := uuid.New()
		require.NoError(t, q.ResetInsertRequest(ctx, tx, dbsqlc.ResetInsertRequestParams{ID: id, Email: addr, TtlSecs: 3600}))
		return id
	}
	signup := func(tx dbsqlc.DBTX) uuid.UUID {
		id := uuid.New()
		require.NoError(t, q.SignupInsertRequest(ctx, tx, dbsqlc.SignupInsertRequestParams{ID: id, Email: addr, Name: "Ada", PasswordHash: "x", TtlSecs: 3600}))
		return id
	}

	var old []uuid.UUID
	for range 21 {
		old = append(old, reset(db.Pool))
	}
	// One transaction: both rows get the same now(). The sign-up goes in
	// first, so the order below is not the order of insertion.
	tx, err := db.Pool.Begin(ctx)
	require.NoError(t, err)
	tiedSignup := signup(tx)
	tiedReset := reset(tx)
	require.NoError(t, tx.Commit(ctx))
	newest := signup(db.Pool)

	store := mailevent.NewStore(db.Pool)
	tr, err := store.Trace(ctx, "ada@example.com")
	require.NoError(t, err)
	type req struct {
		Kind string
		ID   uuid.UUID
	}
	want := []req{{"signup", newest}, {"reset", tiedReset}, {"signup", tiedSignup}}
	for i := len(old) - 1; i >= 2; i-- { // the 20 newest resets, the tied one included
		want = append(want, req{"reset", old[i]})
	}
	var got []req
	for _, m := range tr.Messages {
		got = append(got, req{m.Kind, m.RequestID})
	}
	require.Equal(t, want, got)

	tr, err = store.Trace(ctx, tiedSignup.String())
	require.NoError(t, err)
	require.Len(t, tr.Messages, 1)
	require.Equal(t, "signup", tr.Messages[0].Kind)
	require.Equal(t, tiedSignup, tr.Messages[0].RequestID)
	require.Equal(t, addr, tr.Messages[0].Email)
}
