package postgres_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// TestEveryQueryIsUsed fails when a query in sql/queries is called by no Go
// code outside the generated package, so that dead SQL does not pile up.
func TestEveryQueryIsUsed(t *testing.T) {
	t.Parallel()

	var code strings.Builder
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "dbsqlc" || d.Name() == "node_modules") {
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
	q := reflect.TypeOf(dbsqlc.New())
	require.NotZero(t, q.NumMethod())
	for i := range q.NumMethod() {
		name := q.Method(i).Name
		if name == "WithTx" {
			continue
		}
		if !strings.Contains(all, "."+name+"(") {
			t.Errorf("query %s is used by no Go code", name)
		}
	}
}
