-- Statements only the fault drills (internal/chaos, `make chaos`) use: seeding
-- accounts in bulk and reading back what the queue did with every request.

-- name: chaos_insert_users
-- Thousands of accounts in one round trip. $3 is one password hash shared by
-- all of them: nobody logs in during a drill.
INSERT INTO users (email, name, password_hash)
SELECT e, n, $3
FROM unnest($1::text[], $2::text[]) AS t(e, n);

-- name: chaos_unfinished_jobs
-- Jobs that can still run. A drill has drained when this is zero.
SELECT count(*)
FROM river_job
WHERE state NOT IN ('completed', 'cancelled', 'discarded');

-- name: chaos_job_outcomes
-- One row per reset request: its address, its job's state and attempts, the
-- request's recorded outcome, the job's last error, and whether River's
-- rescuer ever picked the job up after its worker died.
SELECT r.email,
       j.state::text,
       j.attempt,
       r.outcome,
       coalesce(j.errors[array_upper(j.errors, 1)]->>'error', ''),
       EXISTS (
           SELECT 1 FROM unnest(j.errors) AS e(err)
           WHERE e.err->>'error' LIKE 'Stuck job rescued%'
       )
FROM password_reset_requests r
JOIN river_job j
  ON j.kind = 'password_reset_email'
 AND j.args->>'request_id' = r.id::text;

-- name: chaos_unfinished_by_client
-- Jobs not yet finished, grouped by the River client that last worked them
-- (the last entry of attempted_by) and by state: a killed worker's sends in
-- flight stay "running" under its client ID until the rescuer takes them.
SELECT coalesce(attempted_by[array_upper(attempted_by, 1)], ''), state::text, count(*)
FROM river_job
WHERE state NOT IN ('completed', 'cancelled', 'discarded')
GROUP BY 1, 2;

-- name: chaos_finished_by_client_since
-- Jobs a client finished at or after $1, by final state, to show what a
-- stopping worker completed after its SIGTERM.
SELECT coalesce(attempted_by[array_upper(attempted_by, 1)], ''), state::text, count(*)
FROM river_job
WHERE finalized_at >= $1
GROUP BY 1, 2;
