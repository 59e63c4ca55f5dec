-- Statements only the fault drills (`make chaos`) use: seeding accounts in
-- bulk and reading back what the queue did with every request. sqlc
-- generates chaossqlc from this file (sql/sqlc.yaml).

-- name: InsertUsers :exec
-- Thousands of accounts in one round trip. password_hash is one hash shared by
-- all of them: nobody logs in during a drill.
INSERT INTO users (email, name, password_hash)
-- Two set-returning functions in one select list advance together.
SELECT unnest(sqlc.arg(emails)::text[]), unnest(sqlc.arg(names)::text[]), sqlc.arg(password_hash)::text;

-- name: UnfinishedJobs :one
-- Jobs that can still run. A drill has drained when this is zero.
SELECT count(*)
FROM river_job
WHERE state NOT IN ('completed', 'cancelled', 'discarded');

-- name: JobOutcomes :many
-- One row per reset request: its address, its job's state and attempts, the
-- request's recorded outcome, the job's last error, and whether River's
-- rescuer ever picked the job up after its worker died.
SELECT r.email,
       j.state::text AS state,
       j.attempt,
       r.outcome,
       coalesce(j.errors[array_upper(j.errors, 1)]->>'error', '')::text AS last_error,
       EXISTS (
           SELECT 1 FROM unnest(j.errors) AS e(err)
           WHERE e.err->>'error' LIKE 'Stuck job rescued%'
       ) AS rescued
FROM password_reset_requests r
JOIN river_job j
  ON j.kind = 'password_reset_email'
 AND j.args->>'request_id' = r.id::text;

-- name: UnfinishedByClient :many
-- Jobs not yet finished, grouped by the River client that last worked them
-- (the last entry of attempted_by) and by state: a killed worker's sends in
-- flight stay "running" under its client ID until the rescuer takes them.
SELECT coalesce(attempted_by[array_upper(attempted_by, 1)], '')::text AS client_id, state::text AS state, count(*) AS jobs
FROM river_job
WHERE state NOT IN ('completed', 'cancelled', 'discarded')
GROUP BY 1, 2;

-- name: FinishedByClientSince :many
-- Jobs a client finished at or after since, by final state, to show what a
-- stopping worker completed after its SIGTERM.
SELECT coalesce(attempted_by[array_upper(attempted_by, 1)], '')::text AS client_id, state::text AS state, count(*) AS jobs
FROM river_job
WHERE finalized_at >= sqlc.arg(since)::timestamptz
GROUP BY 1, 2;
