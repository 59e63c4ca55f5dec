//go:build tools

// Package tools pins development tools in a module of their own, so that
// their dependencies stay out of the application's go.mod. `make run`
// builds Mailpit, the dev inbox, from here; `make sqlc` builds sqlc, which
// generates the typed query code in internal/postgres/dbsqlc.
package tools

import (
	_ "github.com/axllent/mailpit"
	_ "github.com/docker/buildx/cmd/buildx"
	_ "github.com/sqlc-dev/sqlc/cmd/sqlc"
)
