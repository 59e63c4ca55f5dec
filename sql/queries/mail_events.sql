-- Delivery events from the providers' webhooks, the suppression list, and
-- the story of one message (issue 24).

-- name: MailEventRecord :one
-- Records one event for one recipient and, for a hard bounce or a
-- complaint, suppresses the address, in one statement. A redelivered event
-- (same provider, event ID and recipient) inserts nothing, so it neither
-- counts twice nor suppresses again an address an operator has since
-- removed. inserted says whether the event was new; suppressed whether
-- this event added the address to the list.
WITH ins AS (
    INSERT INTO mail_events (provider, event_id, recipient, type, message_id, occurred_at, detail)
    VALUES (sqlc.arg(provider), sqlc.arg(event_id), sqlc.arg(recipient), sqlc.arg(type),
            sqlc.narg(message_id), sqlc.arg(occurred_at), sqlc.arg(detail))
    ON CONFLICT (provider, event_id, recipient) DO NOTHING
    RETURNING recipient, type, message_id
), sup AS (
    INSERT INTO mail_suppressions (email, reason, source, message_id)
    SELECT ins.recipient, ins.type, sqlc.arg(provider), ins.message_id
    FROM ins
    WHERE ins.type IN ('hard_bounce', 'complaint')
    ON CONFLICT ((lower(email))) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM ins)::boolean AS inserted,
       EXISTS (SELECT 1 FROM sup)::boolean AS suppressed;

-- name: SuppressionAdd :one
-- Adds an address (an operator's `worker suppression add`, or SMTP's
-- permanent "no such user" at send time). added is false when the address
-- was already on the list; the first reason stays.
WITH ins AS (
    INSERT INTO mail_suppressions (email, reason, source, message_id)
    VALUES (sqlc.arg(email), sqlc.arg(reason), sqlc.arg(source), sqlc.narg(message_id))
    ON CONFLICT ((lower(email))) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM ins)::boolean AS added;

-- name: SuppressionRemove :execrows
-- Lets mail reach an address again. Past events stay, for the trace.
DELETE FROM mail_suppressions WHERE lower(email) = lower(sqlc.arg(email));

-- name: SuppressionList :many
-- The whole list, newest first, for `worker suppression list`.
SELECT email, reason, source, message_id, created_at
FROM mail_suppressions
ORDER BY created_at DESC, email;

-- name: SuppressionGet :one
-- One address's entry, for `worker trace`.
SELECT email, reason, source, message_id, created_at
FROM mail_suppressions
WHERE lower(email) = lower(sqlc.arg(email));

-- name: SuppressionCheck :one
-- The worker's check before a send whose prepare statement did not already
-- answer it (notices to an account).
SELECT mail_suppressed(sqlc.arg(email))::boolean AS suppressed;

-- name: TraceRequests :many
-- The reset and sign-up requests behind a trace: one by its ID, or an
-- address's newest max_rows of each kind; newest first, a reset before a
-- sign-up of the same time. kind is 'reset' or 'signup'.
-- An address's requests are found without an index on email: the tables
-- hold only requests younger than the token TTL plus the retention, and
-- trace is an on-call tool, not a hot path.
WITH req AS (
    SELECT 'reset'::text AS kind, 'password_reset_email'::text AS job_kind,
           id, email, created_at, outcome, sent_at, provider, provider_message_id
    FROM password_reset_requests
    UNION ALL
    SELECT 'signup', 'signup_email',
           id, email, created_at, outcome, sent_at, provider, provider_message_id
    FROM pending_signups
), found AS (
    SELECT req.kind, req.job_kind, req.id, req.email, req.created_at, req.outcome, req.sent_at,
           req.provider, req.provider_message_id,
           row_number() OVER (PARTITION BY req.kind ORDER BY req.created_at DESC) AS n
    FROM req
    WHERE (sqlc.narg(id)::uuid IS NOT NULL AND req.id = sqlc.narg(id)::uuid)
       OR (sqlc.narg(email)::text IS NOT NULL AND lower(req.email) = lower(sqlc.narg(email)::text))
)
SELECT f.kind, f.id, f.email, f.created_at, f.outcome, f.sent_at, f.provider, f.provider_message_id,
       -- River deletes finished jobs after a day: 0 and '' then.
       coalesce(j.id, 0)::bigint AS job_id, coalesce(j.created_at, f.created_at)::timestamptz AS queued_at,
       coalesce(j.state::text, '')::text AS job_state
FROM found f
LEFT JOIN LATERAL (
    SELECT rj.id, rj.created_at, rj.state
    FROM river_job rj
    WHERE rj.kind = f.job_kind
      AND rj.args @> jsonb_build_object('request_id', f.id::text)
    ORDER BY rj.id DESC
    LIMIT 1
) j ON true
WHERE f.n <= sqlc.arg(max_rows)::bigint
ORDER BY f.created_at DESC, f.kind;

-- name: TraceEvents :many
-- The provider's events for a set of message IDs and, when given, an
-- address (events for mail we cannot match still belong to its story).
SELECT provider, event_id, recipient, type, message_id, occurred_at, received_at, detail
FROM mail_events
WHERE message_id = ANY(sqlc.arg(message_ids)::text[])
   OR (sqlc.narg(email)::text IS NOT NULL AND lower(recipient) = lower(sqlc.narg(email)::text))
ORDER BY occurred_at, received_at
LIMIT 200;

-- name: MailEventRates :one
-- Bounce and complaint rates over the last window_secs seconds: hard
-- bounces and complaints reported, over mails the workers recorded as sent
-- (reset and sign-up mail; notices have no send record).
WITH sent AS (
    SELECT (SELECT count(*) FROM password_reset_requests
            WHERE sent_at > now() - make_interval(secs => sqlc.arg(window_secs)::float8))
         + (SELECT count(*) FROM pending_signups
            WHERE sent_at > now() - make_interval(secs => sqlc.arg(window_secs)::float8)) AS n
), ev AS (
    SELECT count(*) FILTER (WHERE type = 'hard_bounce') AS bounces,
           count(*) FILTER (WHERE type = 'complaint') AS complaints
    FROM mail_events
    WHERE occurred_at > now() - make_interval(secs => sqlc.arg(window_secs)::float8)
)
SELECT sent.n::bigint AS sent, ev.bounces::bigint AS bounces, ev.complaints::bigint AS complaints
FROM sent, ev;
