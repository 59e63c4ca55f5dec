-- Issue 23, item 2: sign-up mail to an address without an account had no
-- per-address limit, only the per-IP one, so a few clients could send one
-- inbox a mail a second. mail_slots (0004) is keyed by account; this is
-- the same slot keyed by address, for mail to an address that has no
-- account yet. A job reserves it with one INSERT … ON CONFLICT DO UPDATE
-- … WHERE before it sends, so concurrent jobs queue on the row and at most
-- one mail per address goes out per RESET_EMAIL_INTERVAL.
CREATE TABLE address_mail_slots (
    -- lower(email), the form every lookup of an address compares.
    address     text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('signup_verify')),
    holder      uuid        NOT NULL,
    reserved_at timestamptz NOT NULL,
    PRIMARY KEY (address, kind)
);

-- The cleanup job deletes slots long past any interval.
CREATE INDEX address_mail_slots_reserved_idx ON address_mail_slots (reserved_at);
