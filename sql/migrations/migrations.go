// Package migrations holds the numbered schema changes, applied in order by
// postgres.Migrator (`api migrate`). They are embedded so that the binaries
// need nothing on disk at run time. The queries beside them, in sql/queries,
// are compiled into typed Go by sqlc instead (internal/postgres/dbsqlc).
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed *.sql
var files embed.FS

// Migration is one numbered schema change.
type Migration struct {
	// Version is the number the file name starts with, e.g. 3 for
	// "0003_password_reset_requests.sql".
	Version int
	// Name is the file name without its extension.
	Name string
	// SQL is the statement text, applied in one transaction.
	SQL string
}

// All returns every migration in ascending version order. It fails on
// a file name without a numeric prefix or on two files with one version,
// because either would make the applied schema depend on directory order.
func All() ([]Migration, error) {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	seen := make(map[int]string, len(entries))
	out := make([]Migration, 0, len(entries))
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".sql")
		prefix, _, ok := strings.Cut(name, "_")
		if !ok {
			return nil, fmt.Errorf("migration %q: name must look like 0001_description.sql", e.Name())
		}
		version, err := strconv.Atoi(prefix)
		if err != nil || version <= 0 {
			return nil, fmt.Errorf("migration %q: name must start with a positive number", e.Name())
		}
		if other, dup := seen[version]; dup {
			return nil, fmt.Errorf("migrations %q and %q share version %d", other, e.Name(), version)
		}
		seen[version] = e.Name()
		body, err := fs.ReadFile(files, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %q: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: version, Name: name, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}
