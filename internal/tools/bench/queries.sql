-- Statements only the benchmark harness (`make bench`) uses. sqlc generates
-- benchsqlc from this file (sql/sqlc.yaml).

-- name: InsertUsers :exec
-- Creates n accounts named bench-1@domain … bench-n@domain in one statement. The
-- password hash is a placeholder: benchmarks never log in.
INSERT INTO users (email, name, password_hash)
SELECT 'bench-' || g || '@' || sqlc.arg(domain)::text, 'Bench User ' || g, 'bench-no-login'
FROM generate_series(1, sqlc.arg(n)::int) AS g;

-- name: JobStates :many
-- How many jobs of a kind are in each state; the harness waits on it.
SELECT state::text AS state, count(*) AS jobs
FROM river_job
WHERE kind = $1
GROUP BY state;

-- name: ResetOutcomes :many
-- How many reset requests ended in each outcome.
SELECT outcome, count(*) AS requests
FROM password_reset_requests
GROUP BY outcome;
