package packaging

import (
	"debug/buildinfo"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/testdb"
	"github.com/todoapp/resetmail/internal/testutil"
)

// These tests stand in for `docker run` of each image: the binary is built
// as its Dockerfile builds it and run as its Dockerfile's USER in a root
// directory holding nothing else. What passes here needs no file from an
// image: no libc, no loader, no CA bundle, no zoneinfo, no /etc/passwd, no
// /tmp, no DNS configuration.

func TestAPIImageBinary(t *testing.T) {
	t.Parallel()
	root := emptyRootFor(t, imageBinary{
		name: "api",
		checkBuild: func(t *testing.T, binary string) {
			// .ci/build-binary's -tags nomsgpack leaves gin's MessagePack codec out
			// (3.1 MiB of machine code); the API never reads or writes MessagePack.
			info, err := buildinfo.ReadFile(binary)
			require.NoError(t, err)
			for _, dep := range info.Deps {
				require.NotEqual(t, "github.com/ugorji/go/codec", dep.Path, "built without -tags nomsgpack")
			}
		},
		badConfig: []string{"JWT_SECRET=short"},
		says:      []string{"JWT_SECRET must be at least 32 bytes"},
		hides: map[string]string{
			"RESET_TOKEN_KEY": "only the worker needs the reset token key",
			"short":           "a secret's value is never echoed",
		},
	})

	t.Run("serves healthz and readyz against Postgres", func(t *testing.T) {
		t.Parallel()
		db := testdb.New(t)
		port := freePort(t)
		proc := root.start(t, []string{
			"APP_ENV=production",
			"FRONTEND_URL=https://app.example.com",
			"DATABASE_URL=" + db.URL,
			"PORT=" + port,
			"JWT_SECRET=" + testutil.Secret("jwt", 40),
		})
		proc.waitHealthy(t, root, []string{"PORT=" + port})
		proc.requireConfined(t, root)
		requireStatus(t, "http://127.0.0.1:"+port+"/readyz", http.StatusOK)
		proc.stop(t)
		require.Contains(t, proc.out.String(), `"msg":"stopped"`, "graceful shutdown, logged as JSON in production")
	})
}

func TestWorkerImageBinary(t *testing.T) {
	t.Parallel()
	root := emptyRootFor(t, imageBinary{
		name:      "worker",
		badConfig: []string{"SMTP_TLS=sometimes"},
		says:      []string{"SMTP_HOST", "SMTP_FROM", "SMTP_TLS", "RESET_TOKEN_KEY is required"},
	})

	t.Run("serves healthz and readyz against Postgres", func(t *testing.T) {
		t.Parallel()
		db := testdb.New(t)
		addr := "127.0.0.1:" + freePort(t)
		// Nothing listens on the SMTP port: the worker must start and stay
		// live without its mail server, which it uses only to send.
		proc := root.start(t, []string{
			"APP_ENV=production",
			"FRONTEND_URL=https://app.example.com",
			"DATABASE_URL=" + db.URL,
			"RESET_TOKEN_KEY=" + testutil.Secret("reset", 40),
			"SMTP_HOST=127.0.0.1",
			"SMTP_PORT=" + freePort(t),
			"SMTP_TLS=none",
			"SMTP_FROM=Todo <no-reply@example.com>",
			"WORKER_HTTP_ADDR=" + addr,
		})
		proc.waitHealthy(t, root, []string{"WORKER_HTTP_ADDR=" + addr})
		proc.requireConfined(t, root)
		requireStatus(t, "http://"+addr+"/healthz", http.StatusOK)
		proc.stop(t)
	})
}

// imageBinary is what sets one image's binary apart in the checks both share.
type imageBinary struct {
	// name is the command, cmd/<name>, built and run as Dockerfile.<name> does.
	name string
	// checkBuild, if set, inspects the built binary before it runs.
	checkBuild func(t *testing.T, binary string)
	// badConfig is an environment with problems besides the unreachable
	// DATABASE_URL that every run of the check adds.
	badConfig []string
	// says is what the config error output must name; hides maps what it must
	// not contain to why.
	says  []string
	hides map[string]string
}

// emptyRootFor builds img's binary as its Dockerfile does, checks the build,
// puts it alone in an empty root and adds the subtests both binaries share.
func emptyRootFor(t *testing.T, img imageBinary) *emptyRoot {
	t.Helper()
	binary, ctxDir := buildRelease(t, img.name)
	requireStatic(t, binary)
	if img.checkBuild != nil {
		img.checkBuild(t, binary)
	}
	requireSelfContained(t, binary, ctxDir)
	needRoot(t)
	root := newEmptyRoot(t, binary, dockerfileUID(t, "Dockerfile."+img.name))
	runCommonChecks(t, root)
	t.Run("config problems exit 2 and name every one", func(t *testing.T) {
		t.Parallel()
		code, out := root.run(t, append([]string{"DATABASE_URL=postgres://nowhere:1/x"}, img.badConfig...))
		require.Equal(t, 2, code, out)
		for _, want := range append(img.says, "DATABASE_URL: cannot reach the database") {
			require.Contains(t, out, want)
		}
		for unwanted, why := range img.hides {
			require.NotContains(t, out, unwanted, why)
		}
		require.NotContains(t, out, "goroutine", "no stack trace")
	})
	return root
}

// runCommonChecks adds the subtests both binaries share.
func runCommonChecks(t *testing.T, root *emptyRoot) {
	t.Helper()
	t.Run("version prints the build's version", func(t *testing.T) {
		t.Parallel()
		code, out := root.run(t, nil, "version")
		require.Equal(t, 0, code, out)
		require.Equal(t, testVersion, strings.TrimSpace(out))
	})
	t.Run("healthcheck exits 1 when nothing listens", func(t *testing.T) {
		t.Parallel()
		port := freePort(t)
		code, out := root.run(t, []string{"PORT=" + port, "WORKER_HTTP_ADDR=127.0.0.1:" + port}, "healthcheck")
		require.Equal(t, 1, code, out)
		require.Contains(t, out, "connection refused")
	})
}

func requireStatus(t *testing.T, url string, want int) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, want, resp.StatusCode, url)
}
