-- Issue 12: one send-rate cap (MAIL_RATE_LIMIT) shared by every worker.
-- Providers cap the account, not the process, so the bucket lives where all
-- workers meet: one row, refilled and drawn from by one atomic statement
-- (mail_rate_take). hold_until is when the provider, by a 429, asked every
-- worker to pause.
CREATE TABLE mail_rate_bucket (
    id         boolean          PRIMARY KEY DEFAULT true CHECK (id),
    tokens     double precision NOT NULL,
    updated_at timestamptz      NOT NULL,
    hold_until timestamptz      NOT NULL DEFAULT '-infinity'
);

-- The bucket starts full; mail_rate_take caps it at the configured burst.
INSERT INTO mail_rate_bucket (tokens, updated_at) VALUES (1e9, now());
