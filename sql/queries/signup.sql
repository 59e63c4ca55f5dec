-- Sign-up as a request. The API inserts a pending sign-up for every
-- well-formed register request; the worker decides what to mail; verify-email
-- turns a pending sign-up into an account.

-- name: SignupInsertRequest :exec
-- The API's half: the same insert whether or not the address has an
-- account.
INSERT INTO pending_signups (id, email, name, password_hash, locale, expires_at)
VALUES (sqlc.arg(id), sqlc.arg(email), sqlc.arg(name), sqlc.arg(password_hash), sqlc.narg(locale),
        now() + make_interval(secs => sqlc.arg(ttl_secs)::float8));

-- name: SignupPrepare :one
-- The worker's first statement per job, like ResetPrepare. For an address
-- without an account it reserves the address's verification slot
-- (address_mail_slots) and, if it won it, records the verification token's
-- hash; a request that will not be mailed gets no working token. For one
-- with an account it reserves that account's "someone tried to sign up"
-- slot. mail_slot_reserve (migration 0010) takes either atomically, so that
-- sign-up mail is throttled like reset mails, one per address per
-- throttle_secs seconds; throttled is true when no slot was won.
WITH req AS (
    SELECT p.id, p.email, p.locale, p.expires_at, p.outcome, p.sent_at
    FROM pending_signups p
    WHERE p.id = sqlc.arg(id)
), usr AS (
    SELECT u.id, u.email, u.locale
    FROM users u
    JOIN req ON lower(u.email) = lower(req.email)
), sup AS (
    -- The address is on the suppression list: no mail and no slot, as in
    -- ResetPrepare.
    SELECT EXISTS (SELECT 1 FROM req WHERE mail_suppressed(req.email)) AS suppressed
), slot AS (
    -- The account's slot, or with no account (usr.id NULL) the address's.
    -- Read by throttled whenever req exists, so it is always tried, as in
    -- ResetPrepare.
    SELECT mail_slot_reserve(usr.id, req.email,
                             CASE WHEN usr.id IS NULL THEN 'signup_verify' ELSE 'signup_exists' END,
                             req.id, sqlc.arg(throttle_secs)::float8) AS won
    FROM req LEFT JOIN usr ON true, sup
    WHERE req.outcome = 'pending' AND req.sent_at IS NULL AND req.expires_at > now() AND NOT sup.suppressed
), upd AS (
    UPDATE pending_signups s
    SET token_hash = sqlc.arg(token_hash)
    WHERE s.id = sqlc.arg(id) AND s.outcome = 'pending'
      AND NOT EXISTS (SELECT 1 FROM usr)
      AND EXISTS (SELECT 1 FROM slot WHERE won)
)
SELECT req.outcome, req.expires_at, req.sent_at, req.email, req.locale,
       usr.id AS user_id, usr.email AS user_email, usr.locale AS user_locale,
       (SELECT suppressed FROM sup)::boolean AS suppressed,
       NOT EXISTS (SELECT 1 FROM slot WHERE won) AS throttled
FROM req
LEFT JOIN usr ON true;

-- name: SignupAddressSlotRelease :exec
-- Frees the verification slot of an address that a request reserved but
-- will never use (it expired or failed for good), so that the next sign-up
-- may mail at once. Only the holder frees it.
DELETE FROM address_mail_slots
WHERE address = lower(sqlc.arg(email)) AND kind = 'signup_verify' AND holder = sqlc.arg(holder);

-- name: SignupAddressSlotsDeleteStale :execrows
-- The cleanup job's: slots reserved more than retention_secs seconds ago
-- limit nothing any more (RESET_EMAIL_INTERVAL is far shorter).
DELETE FROM address_mail_slots
WHERE reserved_at < now() - make_interval(secs => sqlc.arg(retention_secs)::float8);

-- name: SignupMarkOutcome :exec
-- Records how a sign-up request ended without a mail. Only a pending one
-- changes, so a late retry never overwrites a sent mail.
UPDATE pending_signups
SET outcome = sqlc.arg(outcome)
WHERE id = sqlc.arg(id) AND outcome = 'pending';

-- name: SignupMarkSent :exec
-- Recorded right after the server's 250: outcome is sent (a verification
-- link) or account_exists (the notice to an existing account), with the
-- provider and its message ID, as ResetMarkSent.
UPDATE pending_signups
SET outcome = sqlc.arg(outcome), sent_at = now(),
    provider = sqlc.narg(provider), provider_message_id = sqlc.narg(provider_message_id)
WHERE id = sqlc.arg(id);

-- name: SignupConsume :one
-- verify-email's first statement: marks a usable token used, atomically,
-- and returns what the account is made of. Of two concurrent verifies with
-- one token, exactly one gets a row back.
UPDATE pending_signups
SET verified_at = now()
WHERE token_hash = sqlc.arg(token_hash)
  AND verified_at IS NULL
  AND expires_at > now()
RETURNING email, name, password_hash, locale;

-- name: SignupDeleteExpired :execrows
-- Deletes sign-up requests that expired more than retention_secs seconds
-- ago, with the password hashes they hold.
DELETE FROM pending_signups
WHERE expires_at < now() - make_interval(secs => sqlc.arg(retention_secs)::float8);

-- name: SignupCheck :one
-- The confirmation page's first question, which spends nothing: is this
-- token still one verify-email would accept? Unused, unexpired, and its
-- address not taken meanwhile by another verified sign-up (then the first
-- verified has won, as SignupConsume's caller decides).
SELECT p.expires_at
FROM pending_signups p
WHERE p.token_hash = sqlc.arg(token_hash)
  AND p.verified_at IS NULL
  AND p.expires_at > now()
  AND NOT EXISTS (SELECT 1 FROM users u WHERE lower(u.email) = lower(p.email));
