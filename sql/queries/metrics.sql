-- Statements behind metrics that are read at scrape time.

-- name: RiverQueueDepth :many
-- Jobs per queue and state, for the queue-depth gauge. River's indexes on
-- (state, queue, …) keep this cheap at scrape intervals.
SELECT queue, state::text AS state, count(*) AS jobs
FROM river_job
GROUP BY queue, state;
