-- Issue 24: what happened after "sent". Providers report deliveries,
-- bounces and complaints through webhooks; a hard bounce or a complaint
-- puts the address on the suppression list, which the worker checks before
-- every send; and each send records the provider's message ID, so that one
-- message's story (requested → queued → sent → delivered/bounced/complained)
-- can be told from a request ID or an address (`worker trace`).

-- The addresses no mail goes to. One row per address; the address is
-- stored as auth.NormalizeEmail left it and compared case-insensitively,
-- the way users and requests are matched (lower(email)), so that a
-- suppression keys on exactly what the account lookup keys on.
CREATE TABLE mail_suppressions (
    email      text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    -- Why: a permanent bounce reported by a provider, a spam complaint,
    -- SMTP's permanent "no such user" (5.1.1, 5.1.10) at send time, or an
    -- operator's `worker suppression add`.
    reason     text        NOT NULL
               CHECK (reason IN ('hard_bounce', 'complaint', 'smtp_no_such_user', 'manual')),
    -- Who said so: resend, postmark, ses, smtp or operator.
    source     text        NOT NULL,
    -- The provider's message ID of the mail that bounced, when known; the
    -- address is suppressed even when it is not ours (mail sent before the
    -- upgrade, or through another provider).
    message_id text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX mail_suppressions_email_lower_key ON mail_suppressions (lower(email));

-- Every delivery event a provider reported, one row per recipient. The
-- primary key is the provider's own event identity (svix-id for Resend,
-- the SNS MessageId for SES, the bounce ID or message ID for Postmark), so
-- a redelivered event inserts nothing and changes nothing twice.
CREATE TABLE mail_events (
    provider    text        NOT NULL,
    event_id    text        NOT NULL,
    recipient   text        NOT NULL,
    type        text        NOT NULL
                CHECK (type IN ('delivered', 'delayed', 'soft_bounce', 'hard_bounce', 'complaint')),
    -- The provider's message ID, as the send returned it; joins an event to
    -- the request that sent the mail.
    message_id  text,
    -- When the provider says it happened, and when we heard.
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    -- The provider's short reason (bounce type and subtype, SMTP status),
    -- capped in length, with addresses masked.
    detail      text        NOT NULL DEFAULT '',
    PRIMARY KEY (provider, event_id, recipient)
);

-- `worker trace` and the dashboard find a message's events by its ID, and
-- an address's events by the address.
CREATE INDEX mail_events_message_idx ON mail_events (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX mail_events_recipient_idx ON mail_events (lower(recipient), occurred_at DESC);

-- The send record keeps which provider accepted the mail and the ID it gave
-- it. No index covers these columns, so reset_mark_sent stays a HOT update
-- (0007); trace reads them by request ID (the primary key).
ALTER TABLE password_reset_requests
    ADD COLUMN provider            text,
    ADD COLUMN provider_message_id text;
ALTER TABLE pending_signups
    ADD COLUMN provider            text,
    ADD COLUMN provider_message_id text;

-- A request whose address is suppressed ends without a mail, with its own
-- outcome, so on-call can tell it from every other skip.
ALTER TABLE password_reset_requests
    DROP CONSTRAINT password_reset_requests_outcome_check,
    ADD CONSTRAINT password_reset_requests_outcome_check
        CHECK (outcome IN ('pending', 'sent', 'no_account', 'throttled', 'expired', 'failed', 'superseded', 'suppressed'));
ALTER TABLE pending_signups
    DROP CONSTRAINT pending_signups_outcome_check,
    ADD CONSTRAINT pending_signups_outcome_check
        CHECK (outcome IN ('pending', 'sent', 'account_exists', 'throttled', 'expired', 'failed', 'suppressed'));
