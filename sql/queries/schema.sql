-- Statements the migration runner uses. The lock key is an arbitrary constant
-- held on its own session by every copy of `api migrate`, so two copies started together apply
-- each migration exactly once.

-- name: migrate_lock
SELECT pg_advisory_lock(7259406531024810001);

-- name: migrate_unlock
SELECT pg_advisory_unlock(7259406531024810001);

-- name: migrate_create_table
CREATE TABLE IF NOT EXISTS app_schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- name: migrate_applied_versions
SELECT version FROM app_schema_migrations ORDER BY version;

-- name: migrate_table_exists
SELECT to_regclass('app_schema_migrations') IS NOT NULL;

-- name: migrate_record
INSERT INTO app_schema_migrations (version, name) VALUES ($1, $2);
