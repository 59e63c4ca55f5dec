package packaging

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestContainerImagesRunHardened builds both images from the real Dockerfiles
// with BuildKit and runs them as a careful operator would: read-only root,
// every capability dropped, no-new-privileges, on a network of their own.
// Postgres and Mailpit are the local stand-ins (.ci/docker-images). It waits
// for Docker's own HEALTHCHECK, then runs the reset flow through the API
// container, with the worker container delivering to Mailpit.
//
// Not parallel: image builds take both cores of our machines, and the
// compose test below reuses the images this one builds.
func TestContainerImagesRunHardened(t *testing.T) {
	needDocker(t)
	buildImage(t, "Dockerfile.api", apiImage)
	buildImage(t, "Dockerfile.worker", workerImage)

	c := loadCompose(t)
	id := suffix(t)
	name := func(s string) string { return "todo-dt-" + id + "-" + s }
	network := name("net")
	dockerCmd(t, "network", "create", network)
	var containers []string
	t.Cleanup(func() {
		if t.Failed() {
			for _, ctr := range containers {
				t.Logf("logs of %s:\n%s", ctr, containerLogs(t, ctr))
			}
		}
		if len(containers) > 0 {
			_, _ = dockerTry(t, append([]string{"rm", "-f", "-v"}, containers...)...)
		}
		_, _ = dockerTry(t, "network", "rm", network)
	})
	run := func(ctr string, args ...string) {
		t.Helper()
		containers = append(containers, ctr)
		dockerCmd(t, append([]string{"run", "-d", "--name", ctr, "--network", network}, args...)...)
	}

	// The stand-ins take the compose file's settings and service names, so the
	// app containers' compose environment works unchanged.
	run(name("postgres"), append(append([]string{"--network-alias", "postgres"},
		envArgs(c.Services["postgres"].Environment)...), postgresImage)...)
	run(name("mailpit"), "--network-alias", "mailpit", "-p", "127.0.0.1::8025", mailpitImage)
	waitFor(t, 60*time.Second, "Postgres in its container", func() bool {
		_, err := dockerTry(t, "exec", name("postgres"), "pg_isready", "-q", "-h", "127.0.0.1", "-U", "todo", "-d", "todo")
		return err == nil
	})

	migrate := c.Services["migrate"]
	args := append([]string{"run", "--rm", "--network", network}, hardened...)
	args = append(args, envArgs(migrate.Environment)...)
	dockerCmd(t, append(args, apiImage, "migrate")...)

	apiEnv := c.Services["api"].Environment
	start := time.Now()
	run(name("api"), append(append(append(append([]string{}, hardened...), "-p", "127.0.0.1::8080"),
		envArgs(apiEnv)...), apiImage)...)
	api := apiClient{base: "http://" + hostPort(t, name("api"), "8080/tcp")}
	waitFor(t, 30*time.Second, "the API's /readyz", api.ready)
	figure(t, "api docker run to /readyz 200", time.Since(start))
	waitHealthy(t, name("api"), 90*time.Second)
	figure(t, "api docker run to healthy", time.Since(start))

	start = time.Now()
	run(name("worker"), append(append(append([]string{}, hardened...),
		envArgs(c.Services["worker"].Environment)...), workerImage)...)
	waitHealthy(t, name("worker"), 90*time.Second)
	figure(t, "worker docker run to healthy", time.Since(start))

	for _, ctr := range []string{name("api"), name("worker")} {
		got := dockerCmd(t, "inspect", "-f",
			"{{.Config.User}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} {{.HostConfig.SecurityOpt}}", ctr)
		require.Equal(t, "1000:1000 true [ALL] [no-new-privileges]", got, ctr)
	}

	inbox := mailpitClient{base: "http://" + hostPort(t, name("mailpit"), "8025/tcp")}
	resetFlow(t, api, inbox, "docker-run@example.com")
}

// TestContainerComposeScaledWorkers runs the users' docker-compose.yml, with
// only the Postgres and Mailpit images and the host ports swapped by the
// CI override, and three workers. Every reset mail must land in Mailpit
// exactly once, and the reset flow must work end to end; then `down -v`.
func TestContainerComposeScaledWorkers(t *testing.T) {
	needDocker(t)
	project := "todo-ct-" + suffix(t)
	compose := func(args ...string) string {
		t.Helper()
		return dockerCmd(t, append([]string{"compose", "-p", project, "-f", "docker-compose.yml", "-f", ciOverride}, args...)...)
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := dockerTry(t, "compose", "-p", project, "-f", "docker-compose.yml", "-f", ciOverride, "logs", "--no-color", "--tail", "30")
			t.Logf("compose logs:\n%s", out)
		}
		out, err := dockerTry(t, "compose", "-p", project, "-f", "docker-compose.yml", "-f", ciOverride, "down", "-v", "--remove-orphans")
		if err != nil {
			t.Errorf("compose down -v: %v\n%s", err, out)
		}
	})

	// Built first (from BuildKit's cache when the test above ran), so that
	// the figure below is the start, not the build.
	compose("build", "--quiet")
	start := time.Now()
	compose("up", "-d", "--scale", "worker=3")
	ps := func(service string) string { return compose("ps", "-q", service) }
	api := apiClient{base: "http://" + hostPort(t, ps("api"), "8080/tcp")}
	inbox := mailpitClient{base: "http://" + hostPort(t, ps("mailpit"), "8025/tcp")}
	waitFor(t, 90*time.Second, "the API's /readyz through compose", api.ready)
	// The first mail is sign-up's verification link (SIGNUP_VERIFICATION
	// defaults to required), which register waits for.
	api.register(t, inbox, "compose-0@example.com", "a compose password")
	figure(t, "compose up to the first delivered mail", time.Since(start))
	inbox.requireInboxUI(t)
	api.forgot(t, "compose-0@example.com")

	workers := strings.Fields(ps("worker"))
	require.Len(t, workers, 3, "--scale worker=3")
	for _, w := range workers {
		waitHealthy(t, w, 90*time.Second)
	}

	// Registrations first, then the reset requests, paced by the API's own
	// per-IP limit on each endpoint (10 a minute, bursts of 5), so the
	// first five jobs reach the three workers at once.
	const users = 10
	for i := 1; i < users; i++ {
		api.register(t, inbox, fmt.Sprintf("compose-%d@example.com", i), "a compose password")
	}
	for i := 1; i < users; i++ {
		api.forgot(t, fmt.Sprintf("compose-%d@example.com", i))
	}
	waitFor(t, 120*time.Second, "every reset job to finish", func() bool {
		out := compose("exec", "-T", "postgres", "psql", "-U", "todo", "-d", "todo", "-Atc",
			"SELECT count(*) FILTER (WHERE state <> 'completed'), count(*) FROM river_job WHERE kind = 'password_reset_email'")
		return out == fmt.Sprintf("0 %d", users) || out == fmt.Sprintf("0|%d", users)
	})
	for i := range users {
		addr := fmt.Sprintf("compose-%d@example.com", i)
		require.Len(t, inbox.withLink(t, addr, "reset-password?token="), 1, "%s: one reset mail, none sent twice", addr)
	}

	resetFlow(t, api, inbox, "compose-reset@example.com")
}
