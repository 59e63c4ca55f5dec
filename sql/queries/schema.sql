-- Statements the migration runner uses. The lock key is an arbitrary constant
-- held on its own session by every copy of `api migrate`, so two copies started together apply
-- each migration exactly once. sqlc also reads this file as schema, for the
-- table below.

-- name: MigrateLock :exec
SELECT pg_advisory_lock(7259406531024810001);

-- name: MigrateUnlock :exec
SELECT pg_advisory_unlock(7259406531024810001);

-- name: MigrateCreateTable :exec
CREATE TABLE IF NOT EXISTS app_schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- name: MigrateAppliedVersions :many
SELECT version FROM app_schema_migrations ORDER BY version;

-- name: MigrateTableExists :one
SELECT (to_regclass('app_schema_migrations') IS NOT NULL)::boolean AS table_exists;

-- name: MigrateRecord :exec
INSERT INTO app_schema_migrations (version, name) VALUES ($1, $2);
