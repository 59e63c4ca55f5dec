package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/testutil"
)

// repoRoot is the module's root directory: go test runs each package's tests
// in that package's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "expected the module root two levels above internal/packaging")
	return root
}

// readRepoFile reads a file by its path from the module root.
func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), filepath.FromSlash(rel)))
	require.NoError(t, err)
	return string(b)
}

// needOrSkip skips the test when a prerequisite is missing on a developer's
// machine, but fails it under CI, because CI runs as root with every tool
// installed and a skip there would hide a broken packaging check.
func needOrSkip(t *testing.T, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s; CI must run this test", why)
	}
	t.Skipf("%s; skipping (CI runs it)", why)
}

// needRoot is needOrSkip for tests that chroot and change credentials.
func needRoot(t *testing.T) {
	t.Helper()
	needOrSkip(t, os.Geteuid() == 0, "chroot and switching to the image's UID need root (run `make test` as root)")
}

// needTool is needOrSkip for a program on PATH.
func needTool(t *testing.T, name string) {
	t.Helper()
	_, err := exec.LookPath(name)
	needOrSkip(t, err == nil, name+" is not on PATH")
}

// freePort returns a loopback TCP port that nothing listened on a moment ago.
// A binary under test gets it through its environment because, run in a
// chroot as another user, it cannot report a port it picked itself.
func freePort(t *testing.T) string {
	t.Helper()
	port, err := testutil.FreePort()
	require.NoError(t, err)
	return strconv.Itoa(port)
}
