package packaging

import (
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/stretchr/testify/require"
)

// testVersion is what the tests pass as VERSION, to see it come back from
// `app version`.
const testVersion = "packaging-test-1.2.3"

// contextFiles lists, relative to the module root and slash-separated, the
// files Docker would send as the build context: every file .dockerignore does
// not exclude, matched with the same library Docker uses.
func contextFiles(t *testing.T) []string {
	t.Helper()
	root := repoRoot(t)
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	require.NoError(t, err)
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	require.NoError(t, err)
	pm, err := patternmatcher.New(patterns)
	require.NoError(t, err)

	var files []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		excluded, err := pm.MatchesOrParentMatches(rel)
		if err != nil {
			return err
		}
		if d.IsDir() {
			// A later "!pattern" could re-include something inside an
			// excluded directory, so prune only when there is none.
			if excluded && !pm.Exclusions() {
				return filepath.SkipDir
			}
			return nil
		}
		if !excluded && d.Type().IsRegular() {
			files = append(files, rel)
		}
		return nil
	})
	require.NoError(t, err)
	return files
}

// buildContext copies the build context into a fresh directory, so that a
// build there sees exactly what `COPY . .` in the Dockerfiles would.
func buildContext(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	dst := t.TempDir()
	for _, rel := range contextFiles(t) {
		copyFile(t, filepath.Join(root, filepath.FromSlash(rel)), filepath.Join(dst, filepath.FromSlash(rel)))
	}
	return dst
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	require.NoError(t, err)
	defer in.Close()
	info, err := in.Stat()
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, err)
	require.NoError(t, out.Close())
}

// buildRelease builds cmd/<name> as its Dockerfile does: from the build
// context, through .ci/build-binary, with VERSION set and no .git present. It
// returns the binary and the directory it was built in.
func buildRelease(t *testing.T, name string) (binary, ctxDir string) {
	t.Helper()
	needTool(t, "bash")
	needTool(t, "go")
	ctxDir = buildContext(t)
	out := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("bash", filepath.Join(ctxDir, ".ci", "build-binary"), name, out)
	cmd.Dir = ctxDir
	cmd.Env = append(os.Environ(), "VERSION="+testVersion)
	output, err := cmd.CombinedOutput()
	require.NoError(t, err, "build %s from the Docker build context:\n%s", name, output)
	return out, ctxDir
}

func TestDockerignoreKeepsWhatTheBuildNeedsAndNothingElse(t *testing.T) {
	t.Parallel()
	files := contextFiles(t)
	in := map[string]bool{}
	for _, f := range files {
		in[f] = true
	}
	for _, want := range []string{"go.mod", "go.sum", ".ci/build-binary", "cmd/api/main.go", "cmd/worker/main.go", "sql/migrations/migrations.go"} {
		require.True(t, in[want], "%s must reach the builder", want)
	}
	for _, f := range files {
		require.False(t, strings.HasPrefix(f, ".git/"), "%s: history stays out of the context", f)
		require.False(t, strings.HasPrefix(f, "docs/"), "%s: docs stay out", f)
		require.False(t, strings.HasPrefix(f, "bin/"), "%s: local binaries stay out", f)
		require.False(t, strings.HasSuffix(f, "_test.go"), "%s: tests stay out", f)
		base := filepath.Base(f)
		require.False(t, base == ".env" || strings.HasPrefix(base, ".env."), "%s: local env files may hold secrets", f)
	}
}
