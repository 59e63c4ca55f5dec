-- Statements only the HTTP fuzz tests (internal/httpapi/fuzz_reset_test.go)
-- use, to give the reset endpoints a live token to chew on.

-- name: fuzz_latest_reset_request
-- The newest reset request for an address, so that a test can play the
-- worker's part (reset_prepare) and know the request's token.
SELECT id
FROM password_reset_requests
WHERE email = $1
ORDER BY created_at DESC
LIMIT 1;
