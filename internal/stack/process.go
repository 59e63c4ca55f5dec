package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/todoapp/resetmail/internal/testutil"
)

// Process is one running binary whose output is kept for inspection.
type Process struct {
	// Name labels the process in errors, e.g. "worker-2".
	Name string
	// Addr is the HTTP address the process announced in its start log line.
	Addr string

	cmd  *exec.Cmd
	out  *testutil.LogBuffer
	done chan struct{}
	err  error
}

// Env is a process environment; Start adds PATH and nothing else, so that a
// test's own environment cannot leak settings into the binaries.
type Env map[string]string

// With returns a copy of e with kv (key, value, key, value…) set.
func (e Env) With(kv ...string) Env {
	out := Env{}
	for k, v := range e {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func (e Env) list() []string {
	out := []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range e {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// StartAPI runs `api serve` and waits until it listens. Set PORT to "0" to
// let the kernel choose a free port; Addr reports it.
func StartAPI(ctx context.Context, name, bin string, env Env) (*Process, error) {
	return start(ctx, name, bin, env, "api listening", "addr")
}

// StartWorker runs `worker serve` and waits until it works. Set
// WORKER_HTTP_ADDR to "127.0.0.1:0" for a free port; Addr reports it.
func StartWorker(ctx context.Context, name, bin string, env Env) (*Process, error) {
	return start(ctx, name, bin, env, "worker started", "http_addr")
}

func start(ctx context.Context, name, bin string, env Env, readyMsg, addrKey string) (*Process, error) {
	env = env.With("LOG_FORMAT", "json")
	cmd := exec.Command(bin)
	cmd.Env = env.list()
	p := &Process{Name: name, cmd: cmd, out: &testutil.LogBuffer{}, done: make(chan struct{})}
	cmd.Stdout = p.out
	cmd.Stderr = p.out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if addr := p.findStartLine(readyMsg, addrKey); addr != "" {
			p.Addr = strings.Replace(strings.Replace(addr, "[::]", "127.0.0.1", 1), "0.0.0.0", "127.0.0.1", 1)
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s exited before it was ready: %v\n%s", name, p.err, p.out.String())
		case <-deadline.C:
			_ = p.Kill()
			return nil, fmt.Errorf("%s not ready after 30s:\n%s", name, p.out.String())
		case <-ctx.Done():
			_ = p.Kill()
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}

func (p *Process) findStartLine(msg, key string) string {
	for _, line := range strings.Split(p.out.String(), "\n") {
		if !strings.Contains(line, `"msg":"`+msg+`"`) {
			continue
		}
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil {
			if s, ok := rec[key].(string); ok {
				return s
			}
		}
	}
	return ""
}

// Output is everything the process wrote to stdout and stderr.
func (p *Process) Output() string { return p.out.String() }

// Signal sends sig without waiting.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Stop sends SIGTERM and waits up to timeout for a clean exit.
func (p *Process) Stop(timeout time.Duration) error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		_ = p.Kill()
		return fmt.Errorf("%s did not exit within %s of SIGTERM", p.Name, timeout)
	}
}

// Kill sends SIGKILL, as a crash would, and waits for the process to go.
func (p *Process) Kill() error {
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-p.done
	return nil
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Run runs bin with args to completion, for one-shot commands such as
// `api migrate`, and returns its combined output.
func Run(ctx context.Context, bin string, env Env, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env.list()
	out, err := cmd.CombinedOutput()
	return string(out), err
}
