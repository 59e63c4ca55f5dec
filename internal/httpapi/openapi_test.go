package httpapi_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// openAPIExcludedPrefixes are mounted outside the documented API: the job
// dashboard is a separate web app with its own routes.
var openAPIExcludedPrefixes = []string{"/admin/jobs/"}

// TestOpenAPIMatchesRoutes checks that docs/openapi.yaml documents every
// route the engine serves, and documents nothing that it does not.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	engine, ok := b.handler.(*gin.Engine)
	require.True(t, ok, "NewServer returns a *gin.Engine")

	param := regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)
	served := map[string]bool{}
	for _, r := range engine.Routes() {
		if slices.ContainsFunc(openAPIExcludedPrefixes, func(p string) bool { return strings.HasPrefix(r.Path, p) }) {
			continue
		}
		served[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}

	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "openapi.yaml"))
	require.NoError(t, err)
	var doc struct {
		OpenAPI string                          `yaml:"openapi"`
		Paths   map[string]map[string]yaml.Node `yaml:"paths"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	require.True(t, strings.HasPrefix(doc.OpenAPI, "3."), "an OpenAPI 3 document")

	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for key := range item {
			switch key {
			case "get", "put", "post", "patch", "delete", "head", "options", "trace":
				documented[strings.ToUpper(key)+" "+path] = true
			}
		}
	}

	for route := range served {
		require.True(t, documented[route], "%s is served but missing from docs/openapi.yaml", route)
	}
	for route := range documented {
		require.True(t, served[route], "%s is in docs/openapi.yaml but not in routes.go", route)
	}
	require.NotEmpty(t, served)
}

// TestOpenAPIReferencesResolve catches a $ref to a schema or response that
// does not exist, which most OpenAPI tools reject outright.
func TestOpenAPIReferencesResolve(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "openapi.yaml"))
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, yaml.Unmarshal(raw, &doc))

	var walk func(v any)
	refs := 0
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				if k == "$ref" {
					refs++
					ref, _ := child.(string)
					require.True(t, strings.HasPrefix(ref, "#/"), "only local references: %s", ref)
					var node any = doc
					for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
						m, ok := node.(map[string]any)
						require.True(t, ok, "unresolvable %s", ref)
						node, ok = m[part]
						require.True(t, ok, "unresolvable %s", ref)
					}
					continue
				}
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(doc)
	require.Greater(t, refs, 10)
}
