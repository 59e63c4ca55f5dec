-- Statements of the worker's hibernation (internal/hibernate).

-- name: HibernateNextDue :one
-- The earliest moment a job needs a worker, read before the worker sleeps
-- so that it wakes in time: an available job now (or when it became
-- available), a retry or a snooze when it is scheduled, and a running job
-- when River's rescuer would take it back from a worker that died
-- (attempted_at + RESCUE_STUCK_JOBS_AFTER). open_jobs is 0 when no job is
-- open, and due is then meaningless. The finished states are left out, so
-- only open jobs count.
SELECT count(*)::int AS open_jobs,
    coalesce(min(
        CASE WHEN state = 'running'
            THEN coalesce(attempted_at, now()) + make_interval(secs => @rescue_after_secs::float8)
            ELSE scheduled_at
        END), now())::timestamptz AS due
FROM river_job
WHERE state IN ('available', 'retryable', 'scheduled', 'running');
