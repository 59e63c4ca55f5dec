package packaging

import (
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/todoapp/resetmail/internal/config"
)

// composeFile is the part of docker-compose.yml these tests read.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image         string                      `yaml:"image"`
	Build         *composeBuild               `yaml:"build"`
	ContainerName string                      `yaml:"container_name"`
	Command       []string                    `yaml:"command"`
	Environment   map[string]string           `yaml:"environment"`
	Ports         []string                    `yaml:"ports"`
	DependsOn     map[string]composeDependsOn `yaml:"depends_on"`
	Healthcheck   *composeHealthcheck         `yaml:"healthcheck"`
}

type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

type composeDependsOn struct {
	Condition string `yaml:"condition"`
}

type composeHealthcheck struct {
	Test    []string `yaml:"test"`
	Disable bool     `yaml:"disable"`
}

// loadCompose parses docker-compose.yml into the types above. A list-form
// environment or depends_on, which would dodge these checks, fails to decode
// instead. Anchors and "<<" merge keys are resolved by the YAML library.
func loadCompose(t *testing.T) composeFile {
	t.Helper()
	var c composeFile
	require.NoError(t, yaml.Unmarshal([]byte(readRepoFile(t, "docker-compose.yml")), &c))
	return c
}

func TestComposeServicesAndStartOrder(t *testing.T) {
	t.Parallel()
	c := loadCompose(t)
	for _, name := range []string{"postgres", "migrate", "api", "worker", "mailpit"} {
		require.Contains(t, c.Services, name)
	}
	for name, svc := range c.Services {
		require.NotEmpty(t, svc.Image, "%s: an image name", name)
		require.Empty(t, registryHost(svc.Image), "%s: %s names a registry host", name, svc.Image)
	}

	pg := c.Services["postgres"]
	require.NotNil(t, pg.Healthcheck)
	require.Contains(t, pg.Healthcheck.Test, "pg_isready")

	migrate := c.Services["migrate"]
	require.Equal(t, []string{"migrate"}, migrate.Command)
	require.Equal(t, "Dockerfile.api", migrate.Build.Dockerfile)
	require.Equal(t, "service_healthy", migrate.DependsOn["postgres"].Condition, "migrate waits for a Postgres that accepts connections")

	for _, name := range []string{"api", "worker"} {
		svc := c.Services[name]
		require.Equal(t, "Dockerfile."+name, svc.Build.Dockerfile)
		require.Equal(t, "service_completed_successfully", svc.DependsOn["migrate"].Condition,
			"%s refuses to start with pending migrations, so it waits for migrate to finish", name)
		require.NotNil(t, svc.Healthcheck, "%s: a healthcheck", name)
		require.False(t, svc.Healthcheck.Disable)
		require.Equal(t, []string{"CMD", "/app", "healthcheck"}, svc.Healthcheck.Test)
	}
	require.Equal(t, c.Services["api"].Image, migrate.Image, "migrate runs the API image")
}

func TestComposeWorkerScales(t *testing.T) {
	t.Parallel()
	worker := loadCompose(t).Services["worker"]
	// `--scale worker=3` needs three distinct names and cannot bind one host
	// port three times.
	require.Empty(t, worker.ContainerName)
	for _, p := range worker.Ports {
		require.NotContains(t, p, ":", "worker port %q is fixed on the host", p)
	}
}

func TestComposeDeliversToMailpit(t *testing.T) {
	t.Parallel()
	c := loadCompose(t)
	env := c.Services["worker"].Environment
	require.Equal(t, "mailpit", env["SMTP_HOST"])
	require.Equal(t, "1025", env["SMTP_PORT"])
	require.Equal(t, "none", env["SMTP_TLS"])
	require.Contains(t, c.Services["worker"].DependsOn, "mailpit")
	ports := c.Services["mailpit"].Ports
	require.Contains(t, ports, "8025:8025", "the inbox at http://localhost:8025")
	require.Contains(t, ports, "1025:1025")
}

func TestComposeEnvironmentIsValidConfig(t *testing.T) {
	t.Parallel()
	c := loadCompose(t)
	known := map[string]map[string]bool{
		"api":     varSet(&config.API{}),
		"migrate": varSet(&config.API{}),
		"worker":  varSet(&config.Worker{}),
	}
	for name, vars := range known {
		for key := range c.Services[name].Environment {
			require.True(t, vars[key], "%s sets %s, which its config struct does not read", name, key)
		}
	}

	api, worker := c.Services["api"].Environment, c.Services["worker"].Environment
	_, err := config.LoadAPI(api)
	require.NoError(t, err, "the api service's environment passes the API's own validation")
	_, err = config.LoadWorker(worker)
	require.NoError(t, err, "the worker service's environment passes the worker's own validation")
	require.NotContains(t, api, "RESET_TOKEN_KEY", "only the worker holds the reset token key")
	require.NotEmpty(t, worker["RESET_TOKEN_KEY"])

	for _, name := range []string{"migrate", "api", "worker"} {
		dsn := c.Services[name].Environment["DATABASE_URL"]
		u, err := url.Parse(dsn)
		require.NoError(t, err)
		require.Equal(t, "postgres:5432", u.Host, "%s reaches Postgres by its service name", name)
		require.Contains(t, dsn, "dev-only", "%s: the password is a marked placeholder", name)
	}
	for _, name := range []string{"postgres", "api", "worker"} {
		for key, val := range c.Services[name].Environment {
			if strings.Contains(key, "SECRET") || strings.Contains(key, "KEY") || strings.Contains(key, "PASSWORD") {
				require.Contains(t, val, "dev-only", "%s: %s must be a marked dev-only placeholder", name, key)
			}
		}
	}
}

// TestComposeFileParsesWithDockerCompose asks a real Compose implementation
// to validate the file when one is installed. Debian ships only Compose v1
// (`docker-compose`), so this is an extra check that never fails for want of
// the tool, CI included; the structural tests above are the ones that must run.
func TestComposeFileParsesWithDockerCompose(t *testing.T) {
	t.Parallel()
	path, err := exec.LookPath("docker-compose")
	if err != nil {
		t.Skip("docker-compose is not installed (apt-get install docker-compose adds it)")
	}
	cmd := exec.Command(path, "-f", "docker-compose.yml", "config", "--quiet")
	cmd.Dir = repoRoot(t)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "docker-compose config:\n%s", out)
}

func varSet(cfg any) map[string]bool {
	out := map[string]bool{}
	for _, v := range config.Vars(cfg) {
		out[v.Name] = true
	}
	return out
}

// TestComposeCIOverrideSwapsOnlyImagesAndPorts keeps .ci/compose.ci.yml, the
// file CI lays over docker-compose.yml because it can pull no image, from
// changing what it tests: it may only swap the Postgres and Mailpit images
// for the local stand-ins and move host ports to 127.0.0.1.
func TestComposeCIOverrideSwapsOnlyImagesAndPorts(t *testing.T) {
	t.Parallel()
	var override struct {
		Services map[string]map[string]yaml.Node `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(readRepoFile(t, ciOverride)), &override))
	users := loadCompose(t)
	allowed := map[string]map[string]bool{
		"postgres": {"image": true, "pull_policy": true},
		"mailpit":  {"image": true, "pull_policy": true, "ports": true},
		"api":      {"ports": true},
	}
	for name, keys := range override.Services {
		require.Contains(t, users.Services, name, "the override adds no service")
		for key, node := range keys {
			require.True(t, allowed[name][key], "%s: the override may not change %s", name, key)
			switch key {
			case "image":
				require.True(t, strings.HasPrefix(node.Value, "todo-ci/"), "%s: a local stand-in, not %s", name, node.Value)
			case "ports":
				require.Equal(t, "!override", node.Tag, "%s: ports replace the users' ones instead of adding to them", name)
				for _, p := range node.Content {
					require.True(t, strings.HasPrefix(p.Value, "127.0.0.1::"), "%s: %s is published beyond loopback or on a fixed port", name, p.Value)
				}
			}
		}
	}
}
