-- Statements behind metrics that are read at scrape time.

-- name: river_queue_depth
-- Jobs per queue and state, for the queue-depth gauge. River's indexes on
-- (state, queue, …) keep this cheap at scrape intervals.
SELECT queue, state::text, count(*)
FROM river_job
GROUP BY queue, state;
