-- Issue 13: an atomic per-account limit on security mail, reset requests
-- superseded by a later password change, and sign-up as a request.

-- A reset request created before the account's password last changed is
-- superseded: it never sends and its token never works.
ALTER TABLE password_reset_requests
    DROP CONSTRAINT password_reset_requests_outcome_check,
    ADD CONSTRAINT password_reset_requests_outcome_check
        CHECK (outcome IN ('pending', 'sent', 'no_account', 'throttled', 'expired', 'failed', 'superseded'));

-- The send slot of one account for one kind of mail: at most one request
-- may hold it per RESET_EMAIL_INTERVAL. A job reserves it with one
-- INSERT … ON CONFLICT DO UPDATE … WHERE before it sends, so concurrent
-- jobs queue on this row and exactly one wins; counting mails already sent
-- was too late, since a mail is recorded only after the server's 250.
-- holder is the request that reserved it, so that its own retries keep it.
CREATE TABLE mail_slots (
    user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text        NOT NULL CHECK (kind IN ('reset', 'signup_exists')),
    holder      uuid        NOT NULL,
    reserved_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- One row per sign-up request, written by the API whether or not the
-- address has an account, so that both paths cost the same and answer the
-- same. The worker decides: a verification link for a new address, a
-- "someone tried to sign up with your address" notice for a known one.
CREATE TABLE pending_signups (
    -- id is random (UUIDv4). The verification token is
    -- HMAC-SHA256(RESET_TOKEN_KEY, "todo-signup-verify-v1:" ‖ id); only its
    -- SHA-256 hash is stored.
    id            uuid        PRIMARY KEY,
    email         text        NOT NULL,
    name          text        NOT NULL,
    -- bcrypt, computed by the API at request time; the password is never
    -- stored in clear nor put in job arguments.
    password_hash text        NOT NULL,
    -- The language the user asked for, copied to the account on verify.
    locale        text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    outcome       text        NOT NULL DEFAULT 'pending'
                  CHECK (outcome IN ('pending', 'sent', 'account_exists', 'throttled', 'expired', 'failed')),
    token_hash    bytea       UNIQUE,
    sent_at       timestamptz,
    verified_at   timestamptz
);

-- The cleanup job deletes by expiry.
CREATE INDEX pending_signups_expires_idx ON pending_signups (expires_at);
