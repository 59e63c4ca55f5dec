-- One row per forgot-password request, written by the API whether or not the
-- account exists, so that every request costs the same and leaks nothing.
-- The worker resolves the user, mints the token and records the outcome.
CREATE TABLE password_reset_requests (
    -- id is random (UUIDv4). The reset token is HMAC-SHA256(RESET_TOKEN_KEY, id),
    -- so every delivery attempt of one request carries the same link, and only
    -- the token's SHA-256 hash is ever stored.
    id          uuid        PRIMARY KEY,
    email       text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    user_id     bigint      REFERENCES users (id) ON DELETE CASCADE,
    -- outcome is what the worker decided: pending until then.
    outcome     text        NOT NULL DEFAULT 'pending'
                CHECK (outcome IN ('pending', 'sent', 'no_account', 'throttled', 'expired', 'failed')),
    token_hash  bytea       UNIQUE,
    sent_at     timestamptz,
    used_at     timestamptz,
    voided_at   timestamptz
);

-- The throttle looks up the latest mail sent to a user.
CREATE INDEX password_reset_requests_user_sent_idx
    ON password_reset_requests (user_id, sent_at DESC) WHERE sent_at IS NOT NULL;

-- The cleanup job deletes by expiry.
CREATE INDEX password_reset_requests_expires_idx ON password_reset_requests (expires_at);
