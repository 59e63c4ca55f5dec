-- Statements only tests use, to set up rows without going through the API
-- or to read back what the product wrote. sqlc generates testdbsqlc from
-- this file (sql/sqlc.yaml); only _test.go files import it.

-- name: InsertUser :one
INSERT INTO users (email, name, password_hash)
VALUES ($1, $2, $3)
RETURNING id;

-- name: ResetRequest :one
SELECT outcome, user_id, token_hash, sent_at, used_at, voided_at
FROM password_reset_requests
WHERE id = $1;

-- name: LatestResetRequest :one
-- The newest reset request for an address, so that a test can play the
-- worker's part (ResetPrepare) and know the request's token.
SELECT id
FROM password_reset_requests
WHERE email = $1
ORDER BY created_at DESC
LIMIT 1;

-- name: JobArgs :many
SELECT args::text AS args, state::text AS state, coalesce(array_to_json(errors)::text, '')::text AS errors
FROM river_job
WHERE kind = $1
ORDER BY id;

-- name: JobsInStates :one
-- Counts a queue's jobs in any of states.
SELECT count(*)::int AS jobs
FROM river_job
WHERE queue = sqlc.arg(queue) AND state::text = ANY(sqlc.arg(states)::text[]);

-- name: ResetUnsend :exec
-- Simulates a crash after the server's 250 but before "sent" was recorded.
UPDATE password_reset_requests SET outcome = 'pending', sent_at = NULL WHERE id = $1;

-- name: ResetExpireAll :exec
-- Ages every reset request past its expiry, instead of a test waiting.
UPDATE password_reset_requests SET expires_at = now() - interval '1 second';

-- name: JobMetadata :one
SELECT coalesce(string_agg(metadata::text, E'\n'), '')::text
FROM river_job
WHERE kind = $1;

-- name: ResetRequestsFor :many
-- Every reset request for an address, oldest first, with its outcome.
SELECT id, outcome
FROM password_reset_requests
WHERE lower(email) = lower(sqlc.arg(email))
ORDER BY created_at;

-- name: SignupExpireAll :exec
-- Ages every pending sign-up past its expiry, instead of a test waiting.
UPDATE pending_signups SET expires_at = now() - interval '1 second';

-- name: SignupOutcomes :many
-- How the sign-up requests for an address ended, oldest first.
SELECT outcome
FROM pending_signups
WHERE lower(email) = lower(sqlc.arg(email))
ORDER BY created_at;

-- name: ResetSendsFor :many
-- An address's reset requests, oldest first, with what the worker decided
-- and the provider's message ID it stored (issue 24).
SELECT id, outcome, provider, provider_message_id
FROM password_reset_requests
WHERE email = $1
ORDER BY created_at;

-- name: JobOutputs :many
-- The output each job of a kind recorded (river.RecordOutput), oldest
-- first.
SELECT coalesce(metadata->>'output', '')::text AS output
FROM river_job
WHERE kind = $1
ORDER BY id;
