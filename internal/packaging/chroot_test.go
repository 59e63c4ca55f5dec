package packaging

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/testutil"
)

// emptyRoot is a directory like the scratch image's file system: the binary
// at /app and nothing else. Both are read-only, like a container started with
// --read-only, so a binary that wants to write a file fails here first.
type emptyRoot struct {
	dir string
	uid uint32
}

func newEmptyRoot(t *testing.T, binary string, uid uint32) *emptyRoot {
	t.Helper()
	dir := t.TempDir()
	copyFile(t, binary, filepath.Join(dir, "app"))
	require.NoError(t, os.Chmod(filepath.Join(dir, "app"), 0o555))
	require.NoError(t, os.Chmod(dir, 0o555))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "the root holds nothing but /app")
	// TempDir's cleanup needs to write here again.
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	return &emptyRoot{dir: dir, uid: uid}
}

// command prepares /app with args inside the root, as the image's UID and
// GID, with exactly env as its environment: nothing leaks in from the host.
func (r *emptyRoot) command(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command("/app", args...)
	cmd.Dir = "/"
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Chroot:     r.dir,
		Credential: &syscall.Credential{Uid: r.uid, Gid: r.uid},
		Setpgid:    true,
	}
	return cmd
}

// run runs /app to completion and returns its exit status and output.
func (r *emptyRoot) run(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := r.command(env, args...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), string(out)
	}
	require.NoError(t, err, "start /app in the empty root")
	return 0, string(out)
}

// process is a long-running /app whose output is kept for failure messages.
type process struct {
	cmd    *exec.Cmd
	out    *testutil.LogBuffer
	exited chan struct{}
	err    error // Wait's result; read only after exited is closed.
}

// start launches /app in the background and kills it when the test ends, if
// the test has not stopped it already.
func (r *emptyRoot) start(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	p := &process{cmd: r.command(env, args...), out: &testutil.LogBuffer{}, exited: make(chan struct{})}
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	require.NoError(t, p.cmd.Start())
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

// waitHealthy runs `/app healthcheck` in the root, as Docker's HEALTHCHECK
// would, until it exits 0. The deadline only stops a hung test; how fast the
// binary becomes ready is measured in docs/benchmarks.md, not asserted here.
func (p *process) waitHealthy(t *testing.T, r *emptyRoot, env []string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		code, out := r.run(t, env, "healthcheck")
		if code == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthcheck still exits %d (%s); process output:\n%s", code, out, p.out)
		}
		select {
		case <-p.exited:
			t.Fatalf("the process exited (%v) before it was healthy:\n%s", p.err, p.out)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// requireConfined checks, from /proc, that the running process really has
// the empty root as its root directory and the image's UID and GID.
func (p *process) requireConfined(t *testing.T, r *emptyRoot) {
	t.Helper()
	pid := strconv.Itoa(p.cmd.Process.Pid)
	rootLink, err := os.Readlink(filepath.Join("/proc", pid, "root"))
	require.NoError(t, err)
	require.Equal(t, r.dir, rootLink)
	status, err := os.ReadFile(filepath.Join("/proc", pid, "status"))
	require.NoError(t, err)
	id := strconv.FormatUint(uint64(r.uid), 10)
	want := id + "\t" + id + "\t" + id + "\t" + id
	require.Regexp(t, "(?m)^Uid:\\s+"+want+"$", string(status), "real, effective, saved and fs UID")
	require.Regexp(t, "(?m)^Gid:\\s+"+want+"$", string(status), "real, effective, saved and fs GID")
}

// stop sends SIGTERM, as `docker stop` does, and requires a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.exited:
	case <-time.After(time.Minute):
		t.Fatalf("no exit within a minute of SIGTERM:\n%s", p.out)
	}
	require.NoError(t, p.err, "exit status after SIGTERM; output:\n%s", p.out)
}
