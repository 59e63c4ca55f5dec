-- Password-reset requests. The API inserts; the worker resolves the user,
-- records the token's hash and the outcome; reset-password consumes.

-- name: reset_delete_expired
-- Deletes requests that expired more than $1 seconds ago.
DELETE FROM password_reset_requests
WHERE expires_at < now() - make_interval(secs => $1);
