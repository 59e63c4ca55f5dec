-- Statements only tests use, to set up rows without going through the API.

-- name: test_insert_user
INSERT INTO users (email, name, password_hash)
VALUES ($1, $2, $3)
RETURNING id;

-- name: test_reset_request
SELECT outcome, user_id, token_hash, sent_at, used_at, voided_at
FROM password_reset_requests
WHERE id = $1;

-- name: test_job_args
SELECT args::text, state::text, coalesce(array_to_json(errors)::text, '')
FROM river_job
WHERE kind = $1
ORDER BY id;

-- name: test_reset_unsend
-- Simulates a crash after the server's 250 but before "sent" was recorded.
UPDATE password_reset_requests SET outcome = 'pending', sent_at = NULL WHERE id = $1;

-- name: test_reset_expire_all
-- Ages every reset request past its expiry, instead of a test waiting.
UPDATE password_reset_requests SET expires_at = now() - interval '1 second';

-- name: test_job_metadata
SELECT coalesce(string_agg(metadata::text, E'\n'), '')
FROM river_job
WHERE kind = $1;

-- name: test_reset_requests_for
-- Every reset request for an address, oldest first, with its outcome.
SELECT id, outcome
FROM password_reset_requests
WHERE lower(email) = lower($1)
ORDER BY created_at;
