-- Password-reset requests. The API inserts; the worker resolves the user,
-- records the token's hash and the outcome; reset-password consumes.

-- name: ResetDeleteExpired :execrows
-- Deletes requests that expired more than retention_secs seconds ago.
DELETE FROM password_reset_requests
WHERE expires_at < now() - make_interval(secs => sqlc.arg(retention_secs)::float8);

-- name: ResetInsertRequest :exec
-- The API's half of forgot-password: record the request whatever the email,
-- so that known and unknown addresses cost the same.
INSERT INTO password_reset_requests (id, email, expires_at)
VALUES (sqlc.arg(id), sqlc.arg(email), now() + make_interval(secs => sqlc.arg(ttl_secs)::float8));

-- name: ResetPrepare :one
-- The worker's first statement per job. In one round trip it loads the
-- request, resolves the account by case-insensitive email (with its stored
-- locale, for the mail's language), says whether a
-- password change since the request superseded it, records the user and
-- the token's hash (the token itself is derived from the request ID and
-- never stored), and reserves the account's reset-mail slot.
--
-- The slot is the flood limit: at most one request per account may hold it
-- within the throttle interval (throttle_secs seconds). mail_slot_reserve
-- (migration 0010) takes it atomically, so that of concurrent jobs for one
-- account exactly one sends, and the request that holds it keeps it on its
-- retries, so a transient failure loses no mail. throttled is true when no
-- slot was won; the caller checks the other outcomes first, suppressed
-- among them.
WITH req AS (
    SELECT q.id, q.email, q.created_at, q.expires_at, q.outcome, q.sent_at
    FROM password_reset_requests q
    WHERE q.id = sqlc.arg(id)
), usr AS (
    SELECT u.id, u.email, u.locale,
           coalesce(u.password_changed_at > req.created_at, false) AS superseded
    FROM users u
    JOIN req ON lower(u.email) = lower(req.email)
), sup AS (
    -- The address is on the suppression list (issue 24): no mail, and no
    -- slot taken, so that the first request after `worker suppression
    -- remove` is not throttled by this one.
    SELECT EXISTS (SELECT 1 FROM req WHERE mail_suppressed(req.email)) AS suppressed
), slot AS (
    -- A SELECT in WITH runs only as far as it is read: throttled, below,
    -- reads slot whenever req exists, so the reservation is always tried.
    SELECT mail_slot_reserve(usr.id, NULL, 'reset', req.id, sqlc.arg(throttle_secs)::float8) AS won
    FROM req, usr, sup
    WHERE req.outcome = 'pending' AND req.sent_at IS NULL
      AND NOT usr.superseded AND req.expires_at > now() AND NOT sup.suppressed
), upd AS (
    -- Only a request that holds the slot gets a working token: one that
    -- will not be mailed is voided, so that nobody who can derive its
    -- token (RESET_TOKEN_KEY and the request ID) can use it (issue 23,
    -- item 9).
    UPDATE password_reset_requests r
    SET user_id = usr.id,
        token_hash = CASE WHEN EXISTS (SELECT 1 FROM slot WHERE won) THEN sqlc.arg(token_hash)::bytea END,
        voided_at = CASE WHEN EXISTS (SELECT 1 FROM slot WHERE won) THEN r.voided_at ELSE coalesce(r.voided_at, now()) END
    FROM usr
    WHERE r.id = sqlc.arg(id) AND r.outcome = 'pending' AND NOT usr.superseded
)
SELECT req.outcome, req.expires_at, req.sent_at,
       usr.id AS user_id, usr.email AS user_email, usr.locale AS user_locale,
       coalesce(usr.superseded, false)::boolean AS superseded,
       (SELECT suppressed FROM sup)::boolean AS suppressed,
       NOT EXISTS (SELECT 1 FROM slot WHERE won) AS throttled
FROM req
LEFT JOIN usr ON true;

-- name: ResetMarkOutcome :exec
-- Records why a request ended without a mail. Only a pending request
-- changes, so a late retry never overwrites "sent".
UPDATE password_reset_requests
SET outcome = $2
WHERE id = $1 AND outcome = 'pending';

-- name: ResetMarkSent :exec
-- Recorded right after the server's 250, before the job completes, so that a
-- rescued or retried job sees the mail went out and does not send again.
-- It keeps which provider took the mail and the ID it gave it, which the
-- provider's delivery events carry (`worker trace`).
UPDATE password_reset_requests
SET outcome = 'sent', sent_at = now(),
    provider = sqlc.narg(provider), provider_message_id = sqlc.narg(provider_message_id)
WHERE id = sqlc.arg(id);

-- name: ResetVerify :one
-- A token is usable when it is known, unused, not voided, not expired, and
-- its request is not older than the account's last password change.
SELECT r.expires_at
FROM password_reset_requests r
JOIN users u ON u.id = r.user_id
WHERE r.token_hash = $1
  AND r.used_at IS NULL
  AND r.voided_at IS NULL
  AND r.expires_at > now()
  AND (u.password_changed_at IS NULL OR r.created_at >= u.password_changed_at);

-- name: ResetLockUser :exec
-- reset-password's first statement: locks the row of the account the token
-- belongs to, before the token's own row. Every reset of one account thus
-- takes its locks in one order (user, then requests), so two of its links
-- used at the same instant queue on the user instead of each holding one
-- request and waiting for the other's: that was a deadlock, answered 500
-- (issue 23, item 4). The second one then finds its link voided. An
-- unknown token locks nothing, and ResetConsume answers for it. NO KEY
-- UPDATE is the lock UserSetPassword takes anyway; unlike FOR UPDATE it
-- does not wait for the worker's foreign-key checks (mail_slots,
-- reset_prepare), which hold KEY SHARE on the user.
SELECT u.id
FROM users u
JOIN password_reset_requests r ON r.user_id = u.id
WHERE r.token_hash = $1
FOR NO KEY UPDATE OF u;

-- name: ResetConsume :one
-- Marks the token used, atomically: of two concurrent resets with one token,
-- exactly one gets a row back. A request made before the password last
-- changed is superseded and never consumes, even if a worker gave it a
-- token before it could know.
UPDATE password_reset_requests r
SET used_at = now()
FROM users u
WHERE r.token_hash = $1
  AND u.id = r.user_id
  AND r.used_at IS NULL
  AND r.voided_at IS NULL
  AND r.expires_at > now()
  AND (u.password_changed_at IS NULL OR r.created_at >= u.password_changed_at)
RETURNING r.id, r.user_id;

-- name: ResetVoidOthers :exec
-- Once one link has been used, every other open link of that user dies.
UPDATE password_reset_requests
SET voided_at = now()
WHERE user_id = sqlc.arg(user_id)::bigint
  AND id <> sqlc.arg(used_request_id)
  AND used_at IS NULL
  AND voided_at IS NULL;

-- name: ResetLoadUserForNotice :one
-- No name: security mail carries no user-chosen text.
SELECT email, password_changed_at, locale
FROM users
WHERE id = $1;
