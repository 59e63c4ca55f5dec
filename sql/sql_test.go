package sql

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMigrationsAreNumberedAndOrdered(t *testing.T) {
	t.Parallel()

	migs, err := Migrations()
	require.NoError(t, err)
	require.NotEmpty(t, migs)
	for i, m := range migs {
		require.Equal(t, i+1, m.Version, "migration versions must be 1..N without gaps: %s", m.Name)
		require.NotEmpty(t, m.SQL)
	}
}

func TestLoadQueries(t *testing.T) {
	t.Parallel()

	q, err := LoadQueries()
	require.NoError(t, err)
	require.Equal(t, "SELECT 1;", q.Get("ping"))
	require.Panics(t, func() { q.Get("no_such_query") })
}

func TestParseRejectsDuplicateNames(t *testing.T) {
	t.Parallel()

	q := &Queries{byName: map[string]string{}}
	err := q.parse("x.sql", "-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n")
	require.ErrorContains(t, err, `"a" is defined twice`)
}
