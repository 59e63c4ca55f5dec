package packaging

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/config"
)

// notOurVariables are upper-case names the deployment guides use that belong
// to something else, so they need not exist in our config structs.
func notOurVariables() map[string]string {
	return map[string]string{
		"POSTGRES_USER":         "the postgres image's",
		"POSTGRES_PASSWORD":     "the postgres image's",
		"POSTGRES_DB":           "the postgres image's",
		"NEXT_PUBLIC_API_URL":   "the Next.js web app's",
		"VITE_API_URL":          "the Vite web app's",
		"NEXT_PUBLIC_":          "Next.js's prefix for public variables",
		"VITE_":                 "Vite's prefix for public variables",
		"API_URL":               "a constant in the web app sketch",
		"SPACE_GIT_URL":         "a shell variable in the Spaces guide",
		"SPACE_URL":             "a shell variable in the Spaces guide",
		"WORKER_SPACE_URL":      "a shell variable in the Spaces guide",
		"HF_TOKEN":              "the user's Hugging Face token, in the Spaces guide",
		"SSL_CERT_FILE":         "Go's crypto/x509: a file of extra CA roots",
		"AWS_SECRET_ACCESS_KEY": "the AWS SDK's own",
		"AWS_ACCESS_KEY_ID":     "the AWS SDK's own",
	}
}

// snakeName finds UPPER_SNAKE names such as SMTP_TLS; backtickedName also
// catches single words such as `PORT` when they stand alone in backticks.
var (
	snakeName      = regexp.MustCompile(`\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b`)
	backtickedName = regexp.MustCompile("`([A-Z][A-Z0-9_]{2,})`")
)

func deploymentDocs(t *testing.T) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(repoRoot(t), "docs", "deployment", "*.md"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	docs := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		docs[filepath.Base(p)] = string(b)
	}
	return docs
}

func TestDeploymentDocsNameOnlyRealVariables(t *testing.T) {
	t.Parallel()
	known := varSet(&config.API{})
	for name := range varSet(&config.Worker{}) {
		known[name] = true
	}
	environment := readRepoFile(t, "docs/environment.md")
	others := notOurVariables()
	for file, text := range deploymentDocs(t) {
		names := snakeName.FindAllString(text, -1)
		for _, m := range backtickedName.FindAllStringSubmatch(text, -1) {
			names = append(names, m[1])
		}
		for _, name := range names {
			if _, ok := others[name]; ok {
				continue
			}
			require.True(t, known[name], "%s names %s, which no config struct reads (add it to notOurVariables if it is not ours)", file, name)
			require.Contains(t, environment, "| `"+name+"` |", "%s names %s, which docs/environment.md does not document", file, name)
		}
	}
}

// mdLink finds relative Markdown links, without their #fragment.
var mdLink = regexp.MustCompile(`\]\(([^)#:]+)(?:#[^)]*)?\)`)

func TestDeploymentDocsAreCopyPasteable(t *testing.T) {
	t.Parallel()
	for file, text := range deploymentDocs(t) {
		inShell := false
		for i, line := range strings.Split(text, "\n") {
			switch {
			case strings.HasPrefix(line, "```sh"):
				inShell = true
			case strings.HasPrefix(line, "```"):
				inShell = false
			case inShell:
				// A "$ " prompt breaks pasting the block into a shell.
				require.False(t, strings.HasPrefix(strings.TrimSpace(line), "$ "), "%s:%d: shell prompt in a command block", file, i+1)
			}
		}
		for _, m := range mdLink.FindAllStringSubmatch(text, -1) {
			_, err := os.Stat(filepath.Join(repoRoot(t), "docs", "deployment", filepath.FromSlash(m[1])))
			require.NoError(t, err, "%s links to %s, which does not exist", file, m[1])
		}
	}
}

var (
	// checklistPath finds repository paths in backticks, e.g.
	// `internal/config/api.go` or `Dockerfile.api`.
	checklistPath = regexp.MustCompile("`((?:cmd|internal|sql|docs|\\.ci)/[A-Za-z0-9_./-]+|Dockerfile\\.[a-z]+|docker-compose\\.yml|\\.dockerignore)`")
	// checklistTest finds Go test names in backticks.
	checklistTest = regexp.MustCompile("`(Test[A-Za-z0-9_]+)`")
)

// TestSecurityChecklistReferencesExist keeps security.md honest: every file
// it names must exist, and every test it names must be defined in one of the
// test files named on the same row. Rows marked planned or operator name
// what does not exist yet or cannot exist, and are skipped.
func TestSecurityChecklistReferencesExist(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	rows := 0
	for i, line := range strings.Split(readRepoFile(t, "docs/deployment/security.md"), "\n") {
		if !strings.HasPrefix(line, "| ") || strings.Contains(line, "**planned**") || strings.Contains(line, "**operator**") {
			continue
		}
		var testFiles []string
		for _, m := range checklistPath.FindAllStringSubmatch(line, -1) {
			_, err := os.Stat(filepath.Join(root, filepath.FromSlash(m[1])))
			require.NoError(t, err, "security.md:%d names %s", i+1, m[1])
			if strings.HasSuffix(m[1], "_test.go") {
				testFiles = append(testFiles, m[1])
			}
		}
		for _, m := range checklistTest.FindAllStringSubmatch(line, -1) {
			require.True(t, definedIn(t, m[1], testFiles), "security.md:%d names %s, defined in none of %v", i+1, m[1], testFiles)
			rows++
		}
	}
	require.Greater(t, rows, 10, "the checklist cites its tests")
}

func definedIn(t *testing.T, test string, files []string) bool {
	t.Helper()
	for _, f := range files {
		if strings.Contains(readRepoFile(t, f), "func "+test+"(t *testing.T)") {
			return true
		}
	}
	return false
}
