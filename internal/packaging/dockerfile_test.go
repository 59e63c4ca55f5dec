package packaging

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// imageSpec is what one Dockerfile must say.
type imageSpec struct {
	file    string
	cmd     string
	expose  string
	envLine string
}

func imageSpecs() []imageSpec {
	return []imageSpec{
		{file: "Dockerfile.api", cmd: "api", expose: "8080", envLine: "PORT=8080"},
		{file: "Dockerfile.worker", cmd: "worker", expose: "9090", envLine: "WORKER_HTTP_ADDR=:9090"},
	}
}

func TestDockerfiles(t *testing.T) {
	t.Parallel()
	for _, spec := range imageSpecs() {
		t.Run(spec.file, func(t *testing.T) {
			t.Parallel()
			stages := parseDockerfile(t, readRepoFile(t, spec.file))
			require.GreaterOrEqual(t, len(stages), 2, "multi-stage: a builder and a final stage")

			for _, s := range stages {
				require.Empty(t, registryHost(imageOf(s.From)), "FROM %s names a registry host; the operator's configuration chooses it", s.From)
			}
			build := stages[0]
			require.Contains(t, imageOf(build.From), "golang:1.26", "the builder uses Go 1.26")
			requireBuildStage(t, build, spec.cmd)

			final := stages[len(stages)-1]
			require.Equal(t, "scratch", imageOf(final.From), "the final stage is empty but for the binary")
			requireFinalStage(t, final, spec)
		})
	}
}

func requireBuildStage(t *testing.T, build stage, cmd string) {
	t.Helper()
	require.Contains(t, joinArgs(build.find("ENV")), "CGO_ENABLED=0")
	var built bool
	for _, run := range build.find("RUN") {
		if !strings.Contains(run.Args, ".ci/build-binary "+cmd+" /out/app") {
			continue
		}
		built = true
		require.Contains(t, run.Args, "--mount=type=cache,target=/go/pkg/mod", "module cache mounted")
		require.Contains(t, run.Args, "--mount=type=cache,target=/root/.cache/go-build", "build cache mounted")
		require.Contains(t, run.Args, `VERSION="$VERSION"`, "the version reaches the script")
	}
	require.True(t, built, "the builder runs .ci/build-binary %s /out/app, the script `make build` uses", cmd)
}

func requireFinalStage(t *testing.T, final stage, spec imageSpec) {
	t.Helper()
	require.Contains(t, joinArgs(final.find("COPY")), "--from=build /out/app /app")
	uid := imageUID(t, final)
	require.NotZero(t, uid, "the image runs as a non-root UID")

	hc := final.find("HEALTHCHECK")
	require.Len(t, hc, 1)
	require.Contains(t, hc[0].Args, `CMD ["/app", "healthcheck"]`)

	ep := final.find("ENTRYPOINT")
	require.Len(t, ep, 1)
	require.Equal(t, `["/app"]`, ep[0].Args)

	require.Contains(t, joinArgs(final.find("EXPOSE")), spec.expose)
	require.Contains(t, joinArgs(final.find("ENV")), spec.envLine)
}

// userPattern accepts only a numeric USER: scratch has no /etc/passwd, and
// Kubernetes' runAsNonRoot can check only a number.
var userPattern = regexp.MustCompile(`^(\d+)(?::(\d+))?$`)

// imageUID is the numeric UID of the final stage's USER instruction.
func imageUID(t *testing.T, final stage) uint32 {
	t.Helper()
	users := final.find("USER")
	require.Len(t, users, 1, "one USER instruction in the final stage")
	m := userPattern.FindStringSubmatch(users[0].Args)
	require.NotNil(t, m, "USER %q must be numeric, uid:gid", users[0].Args)
	uid, err := strconv.ParseUint(m[1], 10, 32)
	require.NoError(t, err)
	return uint32(uid)
}

// dockerfileUID reads the UID the image runs as, for the chroot tests.
func dockerfileUID(t *testing.T, file string) uint32 {
	t.Helper()
	stages := parseDockerfile(t, readRepoFile(t, file))
	return imageUID(t, stages[len(stages)-1])
}

func joinArgs(ins []instruction) string {
	parts := make([]string, len(ins))
	for i, in := range ins {
		parts[i] = in.Args
	}
	return strings.Join(parts, "\n")
}

func TestBuildFlagsLiveInOneScript(t *testing.T) {
	t.Parallel()
	script := readRepoFile(t, ".ci/build-binary")
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-tags nomsgpack", `-ldflags "-s -w -X main.version=`} {
		require.Contains(t, script, want)
	}
	makefile := readRepoFile(t, "Makefile")
	for _, cmd := range []string{"api", "worker"} {
		require.Contains(t, makefile, ".ci/build-binary "+cmd+" bin/"+cmd, "`make build` uses the script the Dockerfiles use")
	}
}
