package sql

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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
	require.Contains(t, q.Get("migrate_lock"), "pg_advisory_lock")
	require.Panics(t, func() { q.Get("no_such_query") })
}

func TestParseRejectsDuplicateNames(t *testing.T) {
	t.Parallel()

	q := &Queries{byName: map[string]string{}}
	err := q.parse("x.sql", "-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n")
	require.ErrorContains(t, err, `"a" is defined twice`)
}

// TestEveryQueryIsUsed fails when a named query is referenced by no Go code,
// so that dead SQL does not pile up in queries/.
func TestEveryQueryIsUsed(t *testing.T) {
	t.Parallel()

	q, err := LoadQueries()
	require.NoError(t, err)
	var code strings.Builder
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// This package's own tests name queries too; they do not count.
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || path == "../sql") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			code.Write(b)
		}
		return nil
	})
	require.NoError(t, err)
	all := code.String()
	for _, name := range q.Names() {
		if !strings.Contains(all, `"`+name+`"`) {
			t.Errorf("query %q is used by no Go code", name)
		}
	}
}
