package sql

import (
	"bufio"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Queries holds the named statements from queries/*.sql. A statement starts
// at a line "-- name: some_name" and runs until the next such line.
type Queries struct {
	byName map[string]string
}

// LoadQueries parses every file under queries/. It fails on a duplicate name
// so that two files can never silently shadow each other.
func LoadQueries() (*Queries, error) {
	q := &Queries{byName: map[string]string{}}
	entries, err := fs.ReadDir(files, "queries")
	if err != nil {
		return nil, fmt.Errorf("read queries: %w", err)
	}
	for _, e := range entries {
		body, err := fs.ReadFile(files, path.Join("queries", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read %q: %w", e.Name(), err)
		}
		if err := q.parse(e.Name(), string(body)); err != nil {
			return nil, err
		}
	}
	return q, nil
}

func (q *Queries) parse(file, body string) error {
	var name string
	var buf strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		if _, dup := q.byName[name]; dup {
			return fmt.Errorf("%s: query %q is defined twice", file, name)
		}
		q.byName[name] = strings.TrimSpace(buf.String())
		buf.Reset()
		return nil
	}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			if err := flush(); err != nil {
				return err
			}
			name = strings.TrimSpace(rest)
			continue
		}
		if name != "" {
			buf.WriteString(line)
			buf.WriteByte('\n')
		}
	}
	return flush()
}

// Get returns the statement called name. It panics on an unknown name: that
// is a programming error, and TestEveryQueryIsUsed plus the stores' tests
// exercise every name, so it cannot reach production.
func (q *Queries) Get(name string) string {
	s, ok := q.byName[name]
	if !ok {
		panic(fmt.Sprintf("sql: no query named %q", name))
	}
	return s
}

// Names returns every query name, for tests that check coverage.
func (q *Queries) Names() []string {
	out := make([]string, 0, len(q.byName))
	for n := range q.byName {
		out = append(out, n)
	}
	return out
}
