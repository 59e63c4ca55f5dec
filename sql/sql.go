// Package sql holds every SQL statement of the application: numbered schema
// migrations under migrations/ and named queries under queries/. Keeping SQL
// in .sql files lets reviewers read it as SQL and lets pgbench replay exactly
// what the application runs.
package sql

import "embed"

// files embeds the migrations and queries so that the binaries need nothing
// on disk at run time.
//
//go:embed migrations/*.sql queries/*.sql
var files embed.FS
