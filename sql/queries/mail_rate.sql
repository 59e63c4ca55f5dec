-- The shared send-rate cap (MAIL_RATE_LIMIT, MAIL_RATE_BURST).

-- name: MailRateTake :one
-- Refills the bucket for the time since it was last touched (rate tokens
-- per second, at most burst) and reserves the next send slot, like a reservation
-- of golang.org/x/time/rate: the balance may go negative, and the caller
-- sleeps until its slot. Slots are therefore handed out exactly 1/rate s apart
-- after the burst, with one round trip per mail and no herd of workers
-- polling the row. A slot further away than max_wait seconds, or any slot during
-- a hold (a provider's 429), is not reserved: the caller snoozes instead.
-- Returns the seconds to wait and whether a slot was reserved.
WITH cur AS (
    SELECT tokens, updated_at, hold_until, clock_timestamp() AS now
    FROM mail_rate_bucket
    WHERE id
    FOR UPDATE
), calc AS (
    SELECT now, hold_until,
           LEAST(sqlc.arg(burst)::float8, tokens + GREATEST(EXTRACT(EPOCH FROM now - updated_at)::float8, 0) * sqlc.arg(rate)::float8) AS avail
    FROM cur
), decide AS (
    SELECT now, hold_until, avail,
           now >= hold_until AND (avail >= 1 OR (1 - avail) / sqlc.arg(rate)::float8 <= sqlc.arg(max_wait)::float8) AS take
    FROM calc
)
UPDATE mail_rate_bucket b
SET tokens = CASE WHEN d.take THEN d.avail - 1 ELSE d.avail END,
    updated_at = d.now
FROM decide d
WHERE b.id
RETURNING CASE
    WHEN d.now < d.hold_until THEN EXTRACT(EPOCH FROM d.hold_until - d.now)::float8
    WHEN d.avail >= 1 THEN 0::float8
    ELSE ((1 - d.avail) / sqlc.arg(rate)::float8)::float8
END AS wait_seconds, COALESCE(d.take, false)::bool AS reserved;

-- name: MailRateHold :exec
-- A provider answered 429: every worker waits secs seconds from now (or
-- longer, if another hold already runs later).
UPDATE mail_rate_bucket
SET hold_until = GREATEST(hold_until, clock_timestamp() + make_interval(secs => sqlc.arg(secs)::float8))
WHERE id;

-- name: MailRateHoldLeft :one
-- Seconds left of the current hold, or 0. Read by workers without a cap, so
-- that a 429 still slows them all.
SELECT (CASE WHEN hold_until > clock_timestamp()
             THEN EXTRACT(EPOCH FROM hold_until - clock_timestamp())
             ELSE 0 END)::float8 AS secs
FROM mail_rate_bucket
WHERE id;
