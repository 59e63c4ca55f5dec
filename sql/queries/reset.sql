-- Password-reset requests. The API inserts; the worker resolves the user,
-- records the token's hash and the outcome; reset-password consumes.

-- name: reset_delete_expired
-- Deletes requests that expired more than $1 seconds ago.
DELETE FROM password_reset_requests
WHERE expires_at < now() - make_interval(secs => $1);

-- name: reset_insert_request
-- The API's half of forgot-password: record the request whatever the email,
-- so that known and unknown addresses cost the same. $3 is the TTL in seconds.
INSERT INTO password_reset_requests (id, email, expires_at)
VALUES ($1, $2, now() + make_interval(secs => $3));

-- name: reset_prepare
-- The worker's first statement per job. In one round trip it loads the
-- request, resolves the account by case-insensitive email, records the user
-- and the token's hash (the token itself is derived from the request ID and
-- never stored), and says whether a mail already went to that user within
-- the throttle interval ($3 seconds).
WITH req AS (
    SELECT id, email, expires_at, outcome, sent_at
    FROM password_reset_requests
    WHERE id = $1
), usr AS (
    SELECT u.id, u.email
    FROM users u
    JOIN req ON lower(u.email) = lower(req.email)
), upd AS (
    UPDATE password_reset_requests r
    SET user_id = usr.id, token_hash = $2
    FROM usr
    WHERE r.id = $1 AND r.outcome = 'pending'
)
SELECT req.outcome, req.expires_at, req.sent_at,
       usr.id, usr.email,
       EXISTS (
           SELECT 1 FROM password_reset_requests p
           WHERE p.user_id = usr.id
             AND p.id <> $1
             AND p.sent_at > now() - make_interval(secs => $3)
       ) AS throttled
FROM req
LEFT JOIN usr ON true;

-- name: reset_mark_outcome
-- Records why a request ended without a mail. Only a pending request
-- changes, so a late retry never overwrites "sent".
UPDATE password_reset_requests
SET outcome = $2
WHERE id = $1 AND outcome = 'pending';

-- name: reset_mark_sent
-- Recorded right after the server's 250, before the job completes, so that a
-- rescued or retried job sees the mail went out and does not send again.
UPDATE password_reset_requests
SET outcome = 'sent', sent_at = now()
WHERE id = $1;

-- name: reset_verify
-- A token is usable when it is known, unused, not voided and not expired.
SELECT expires_at
FROM password_reset_requests
WHERE token_hash = $1
  AND used_at IS NULL
  AND voided_at IS NULL
  AND expires_at > now();

-- name: reset_consume
-- Marks the token used, atomically: of two concurrent resets with one token,
-- exactly one gets a row back.
UPDATE password_reset_requests
SET used_at = now()
WHERE token_hash = $1
  AND used_at IS NULL
  AND voided_at IS NULL
  AND expires_at > now()
  AND user_id IS NOT NULL
RETURNING id, user_id;

-- name: reset_set_password
-- Bumping token_version revokes every JWT issued before now.
UPDATE users
SET password_hash = $2,
    token_version = token_version + 1,
    password_changed_at = now(),
    updated_at = now()
WHERE id = $1
RETURNING email;

-- name: reset_void_others
-- Once one link has been used, every other open link of that user dies.
UPDATE password_reset_requests
SET voided_at = now()
WHERE user_id = $1
  AND id <> $2
  AND used_at IS NULL
  AND voided_at IS NULL;

-- name: reset_load_user_for_notice
-- No name: security mail carries no user-chosen text.
SELECT email, password_changed_at
FROM users
WHERE id = $1;
