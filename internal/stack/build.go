// Package stack builds and runs the real api and worker binaries as
// separate processes, for end-to-end tests, benchmarks and fault drills.
// Running the binaries, rather than calling their code, is what shows that
// configuration, signals, logs and crash recovery behave as deployed.
package stack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Binaries are the paths of a built api and worker.
type Binaries struct {
	// API is the api binary.
	API string
	// Worker is the worker binary.
	Worker string
}

// Build compiles both binaries into dir with the race detector off, the way
// they ship. It finds the module root from the working directory.
func Build(ctx context.Context, dir string) (Binaries, error) {
	root, err := moduleRoot()
	if err != nil {
		return Binaries{}, err
	}
	b := Binaries{API: filepath.Join(dir, "api"), Worker: filepath.Join(dir, "worker")}
	for pkg, out := range map[string]string{"./cmd/api": b.API, "./cmd/worker": b.Worker} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return Binaries{}, fmt.Errorf("go build %s: %w\n%s", pkg, err, msg)
		}
	}
	return b, nil
}

// moduleRoot is the product module's directory, from the product module
// itself or from the tools module, which replaces it with ../.. (the
// benchmark and the drills live there).
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/todoapp/resetmail").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m github.com/todoapp/resetmail (run from the repository or internal/tools): %w", err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("not inside the module")
	}
	return dir, nil
}
