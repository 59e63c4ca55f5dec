-- Statements the test helper (internal/testdb) uses to give each test its own
-- database, cloned from a migrated template. %s marks an identifier that the
-- helper quotes with pgx.Identifier before formatting.

-- name: testdb_lock
SELECT pg_advisory_lock(7259406531024810002);

-- name: testdb_unlock
SELECT pg_advisory_unlock(7259406531024810002);

-- name: testdb_exists
SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1);

-- name: testdb_create
CREATE DATABASE %s;

-- name: testdb_create_from_template
CREATE DATABASE %s TEMPLATE %s;

-- name: testdb_rename
ALTER DATABASE %s RENAME TO %s;

-- name: testdb_drop
DROP DATABASE IF EXISTS %s WITH (FORCE);
