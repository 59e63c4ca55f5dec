package testutil

import "strings"

// Env is a getenv function over a map, for calling run() in tests.
func Env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// Secret returns a deterministic test secret of n bytes. Tests that scan
// logs for leaked secrets look for exactly these values.
func Secret(label string, n int) string {
	return (label + strings.Repeat("x", n))[:n]
}
