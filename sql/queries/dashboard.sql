-- What the dashboard's own pages (internal/dashboard, /admin/sends) read.
-- They read River's job rows directly: a send is one job on the email
-- queue, its args hold only the request ID (or user ID) and the masked
-- address, and its errors already name the provider's code with the
-- recipient masked. Nothing here returns a full address.

-- name: DashboardFailedSends :many
-- The sends that failed for good since a moment (the page asks for the last
-- 24 h): cancelled (refused by the provider, expired) or discarded (gave up
-- after the last attempt), newest first. River's (state, queue, …) index
-- keeps the scan to these two states.
SELECT id, kind, state::text AS state,
       coalesce(args->>'email_masked', '')::text AS email_masked,
       coalesce(args->>'request_id', '')::text AS request_id,
       attempt, max_attempts, created_at,
       coalesce(finalized_at, created_at)::timestamptz AS finalized_at,
       coalesce(errors[array_upper(errors, 1)]->>'error', '')::text AS last_error
FROM river_job
WHERE queue = sqlc.arg(queue)
  AND state IN ('cancelled', 'discarded')
  AND finalized_at >= sqlc.arg(since)::timestamptz
ORDER BY finalized_at DESC, id DESC
LIMIT sqlc.arg(max_rows);

-- name: DashboardSendsByEmail :many
-- Every send to one address still in the queue's history, in any state,
-- newest first: the jobs of its reset requests and sign-up requests (by
-- request ID) and its accounts' password-changed notices (by user ID).
-- The address is compared through lower(), as every lookup of it is.
SELECT j.id, j.kind, j.state::text AS state,
       coalesce(j.args->>'email_masked', '')::text AS email_masked,
       coalesce(j.args->>'request_id', '')::text AS request_id,
       j.attempt, j.max_attempts, j.created_at,
       coalesce(j.finalized_at, j.created_at)::timestamptz AS finalized_at,
       coalesce(j.errors[array_upper(j.errors, 1)]->>'error', '')::text AS last_error
FROM river_job j
WHERE j.queue = sqlc.arg(queue)
  AND (
    j.args->>'request_id' IN (
      SELECT r.id::text FROM password_reset_requests r WHERE lower(r.email) = lower(sqlc.arg(email))
      UNION ALL
      SELECT p.id::text FROM pending_signups p WHERE lower(p.email) = lower(sqlc.arg(email))
    )
    OR (j.kind = 'password_changed_email'
        AND j.args->>'user_id' IN (SELECT u.id::text FROM users u WHERE lower(u.email) = lower(sqlc.arg(email))))
  )
ORDER BY j.created_at DESC, j.id DESC
LIMIT sqlc.arg(max_rows);

-- name: DashboardSend :one
-- One send, for its detail page (/admin/sends/{job_id}): the job and every
-- attempt's error, oldest first.
SELECT id, kind, state::text AS state,
       coalesce(args->>'email_masked', '')::text AS email_masked,
       coalesce(args->>'request_id', '')::text AS request_id,
       coalesce(args->>'locale', '')::text AS locale,
       attempt, max_attempts, created_at, scheduled_at, finalized_at,
       coalesce(array_to_json(errors), '[]'::json)::text AS errors_json
FROM river_job
WHERE id = sqlc.arg(id) AND queue = sqlc.arg(queue);
