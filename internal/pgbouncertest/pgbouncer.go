// Package pgbouncertest runs Debian's pgbouncer as a child process in front of
// the test Postgres, in pool_mode = transaction with no support for prepared
// statements: the harshest pooler a deployment meets (Neon's pooled endpoint
// is PgBouncer in transaction mode). Tests point the real binaries at URL to
// prove they work through it.
//
// pgbouncer comes from the Debian package of that name (.ci/run installs it).
// When it is missing the test is skipped, except under CI=true, where it
// fails: CI must never pass by skipping.
package pgbouncertest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/todoapp/resetmail/internal/testutil"
)

// Bouncer is one running pgbouncer.
type Bouncer struct {
	// URL is the direct URL given to Start, with host and port replaced by
	// the pooler's: same user, database and parameters.
	URL string
	// Addr is the pooler's host:port on the loopback interface.
	Addr string

	cmd  *exec.Cmd
	out  *testutil.LogBuffer
	done chan struct{}
}

// Start runs pgbouncer on a free loopback port in front of the server that
// directURL names, and stops it when t ends. The [databases] entry is a
// wildcard, so any database on that server, such as a testdb clone, is
// reachable through it.
func Start(t testing.TB, directURL string) *Bouncer {
	t.Helper()
	bin := binary()
	if bin == "" {
		msg := "pgbouncer is not installed (Debian: apt-get install -y pgbouncer; .ci/run does this)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	var lastErr error
	// The free port is found by listening and closing, so another process
	// may take it first; a few attempts make that race harmless.
	for range 3 {
		b, err := start(t, bin, directURL)
		if err == nil {
			t.Cleanup(func() {
				b.stop()
				if t.Failed() {
					t.Logf("pgbouncer log:\n%s", b.Log())
				}
			})
			return b
		}
		lastErr = err
	}
	t.Fatalf("pgbouncertest: %v", lastErr)
	return nil
}

// Log is what pgbouncer wrote so far.
func (b *Bouncer) Log() string { return b.out.String() }

func binary() string {
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p
	}
	// Debian installs it in /usr/sbin, which a non-root PATH may lack.
	if _, err := os.Stat("/usr/sbin/pgbouncer"); err == nil {
		return "/usr/sbin/pgbouncer"
	}
	return ""
}

func start(t testing.TB, bin, directURL string) (*Bouncer, error) {
	up, err := pgconn.ParseConfig(directURL)
	if err != nil {
		return nil, fmt.Errorf("parse the direct URL: %w", err)
	}
	port, err := testutil.FreePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgbouncertest-")
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })

	// trust lets any client in, but the user must still be listed; the
	// password, if any, is what pgbouncer uses to log in to Postgres.
	users := fmt.Sprintf("%q %q\n", up.User, up.Password)
	if err := os.WriteFile(filepath.Join(dir, "userlist.txt"), []byte(users), 0o600); err != nil {
		return nil, err
	}
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%d

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = 20
max_client_conn = 2000
`, up.Host, up.Port, port, filepath.Join(dir, "userlist.txt"))
	// PgBouncer 1.21 added prepared-statement tracking in transaction mode;
	// 0 turns it off. Older versions have none and reject the setting.
	if supportsPreparedStatements(bin) {
		ini += "max_prepared_statements = 0\n"
	}
	iniPath := filepath.Join(dir, "pgbouncer.ini")
	if err := os.WriteFile(iniPath, []byte(ini), 0o600); err != nil {
		return nil, err
	}

	args := []string{iniPath}
	if os.Geteuid() == 0 {
		// pgbouncer refuses to run as root; -u drops to another user,
		// who must be able to read the files.
		name, uid, gid, err := unprivilegedUser()
		if err != nil {
			return nil, err
		}
		for _, p := range []string{dir, iniPath, filepath.Join(dir, "userlist.txt")} {
			if err := os.Chown(p, uid, gid); err != nil {
				return nil, err
			}
		}
		args = append([]string{"-u", name}, args...)
	}
	cmd := exec.Command(bin, args...)
	b := &Bouncer{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, out: &testutil.LogBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = b.out, b.out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start pgbouncer: %w", err)
	}
	go func() {
		_ = cmd.Wait()
		close(b.done)
	}()
	if err := b.waitReady(10 * time.Second); err != nil {
		b.stop()
		return nil, err
	}
	u, err := url.Parse(directURL)
	if err != nil || u.Host == "" {
		b.stop()
		return nil, errors.New("the direct URL must be a postgres:// URL")
	}
	u.Host = b.Addr
	b.URL = u.String()
	return b, nil
}

func (b *Bouncer) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-b.done:
			return fmt.Errorf("pgbouncer exited at start:\n%s", b.Log())
		default:
		}
		conn, err := net.DialTimeout("tcp", b.Addr, time.Second)
		if err == nil {
			_ = conn.Close()
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("pgbouncer not listening on %s after %s:\n%s", b.Addr, timeout, b.Log())
}

// stop asks for pgbouncer's immediate shutdown, which closes its server
// connections, so that the test database can be dropped afterwards.
func (b *Bouncer) stop() {
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.done:
	case <-time.After(10 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.done
	}
}

func unprivilegedUser() (string, int, int, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err1 == nil && err2 == nil {
			return name, uid, gid, nil
		}
	}
	return "", 0, 0, errors.New("running as root, and neither a postgres nor a nobody user exists for pgbouncer -u")
}

var versionRE = regexp.MustCompile(`PgBouncer (\d+)\.(\d+)`)

// supportsPreparedStatements reports whether bin is PgBouncer 1.21 or later,
// the first to know max_prepared_statements.
func supportsPreparedStatements(bin string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
	if err != nil {
		return false
	}
	m := versionRE.FindStringSubmatch(string(out))
	if m == nil {
		return false
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return major > 1 || major == 1 && minor >= 21
}
