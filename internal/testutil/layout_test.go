package testutil

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLayoutTableMatchesTheTree fails when a package under internal/ is
// missing from the layout table in docs/architecture.md, or the table names
// a package that no longer exists, so that a newcomer's map stays true.
func TestLayoutTableMatchesTheTree(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	doc, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	require.NoError(t, err)
	_, table, ok := strings.Cut(string(doc), "## Layout")
	require.True(t, ok, "docs/architecture.md has no ## Layout section")
	table, _, _ = strings.Cut(table, "\n## ")
	var rows strings.Builder
	for line := range strings.SplitSeq(table, "\n") {
		if strings.HasPrefix(line, "| `") {
			first, holds, _ := strings.Cut(strings.TrimPrefix(line, "| "), " |")
			rows.WriteString(first + "\n")
			require.Equal(t, 1, sentences(holds), "the layout table in docs/architecture.md says what %s holds in one sentence, not: %s", first, holds)
		}
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("`(internal/[^`]+)`").FindAllStringSubmatch(rows.String(), -1) {
		listed[strings.TrimSuffix(m[1], "/")] = true
	}

	packages := map[string]bool{}
	err = filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".go") {
			rel, err := filepath.Rel(root, filepath.Dir(path))
			if err != nil {
				return err
			}
			packages[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	require.NoError(t, err)
	for p := range packages {
		require.True(t, listed[p], "%s is missing from the layout table in docs/architecture.md", p)
	}
	for p := range listed {
		require.True(t, packages[p], "the layout table in docs/architecture.md names %s, which holds no Go package", p)
	}
}

// codeSpan is a Markdown code span, whose dots (`e.g.`, `doc.go`) end no
// sentence.
var codeSpan = regexp.MustCompile("`[^`]*`")

// sentences counts the sentences of a table cell: a full stop at its end,
// or one followed by a space and a capital letter, ends one.
func sentences(cell string) int {
	cell = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(cell), "|"))
	cell = codeSpan.ReplaceAllString(cell, "code")
	n := len(regexp.MustCompile(`[.!?] +[A-Z]`).FindAllString(cell, -1))
	if strings.HasSuffix(cell, ".") {
		n++
	}
	return n
}
