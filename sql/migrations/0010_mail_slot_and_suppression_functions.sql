-- The two rules that every security mail's prepare statement applies
-- (ResetPrepare and SignupPrepare in sql/queries), each written once here
-- rather than once per statement and per slot table, so that they cannot
-- drift apart. A function runs inside the statement that calls it, so each
-- prepare stays one statement, one round trip, and takes the same locks.
-- The two called per mail are PL/pgSQL, whose statements a connection plans
-- once; a LANGUAGE sql body that cannot be inlined is planned again by every
-- statement that calls it.

-- Whether no mail may go to address (issue 24): the suppression list holds
-- it. The comparison is lower(email), the key of the list's unique index and
-- the way accounts and requests are matched. STABLE, so that it reads the
-- calling statement's snapshot, as a subquery in that statement would.
CREATE FUNCTION mail_suppressed(address text) RETURNS boolean
    LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM mail_suppressions WHERE lower(email) = lower(address));
END
$$;

-- Whether a send slot may go to the request claimant: it holds the slot
-- already (its own retries keep it, so a transient failure loses no mail),
-- or the slot was reserved at least throttle_secs seconds ago
-- (RESET_EMAIL_INTERVAL). Simple enough for Postgres to inline where it is
-- called, so it costs nothing.
CREATE FUNCTION mail_slot_free(holder uuid, reserved_at timestamptz, claimant uuid, throttle_secs float8)
    RETURNS boolean
    LANGUAGE sql STABLE
AS $$
    SELECT holder = claimant OR reserved_at <= now() - make_interval(secs => throttle_secs)
$$;

-- Reserves the send slot of kind for request claimant and says whether it
-- won it: the account's slot (mail_slots, 0004) when for_user is given,
-- else the slot of for_address (address_mail_slots, 0009), which has no
-- account. INSERT … ON CONFLICT DO UPDATE … WHERE is atomic: concurrent
-- jobs for one slot queue on its row, and each sees the winner's
-- reservation once it commits, so exactly one wins per interval; counting
-- mails already sent was too late, since a mail is recorded only after the
-- server's 250.
CREATE FUNCTION mail_slot_reserve(for_user bigint, for_address text, slot_kind text, claimant uuid, throttle_secs float8)
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    IF for_user IS NOT NULL THEN
        INSERT INTO mail_slots AS s (user_id, kind, holder, reserved_at)
        VALUES (for_user, slot_kind, claimant, now())
        ON CONFLICT (user_id, kind) DO UPDATE
        SET holder = excluded.holder, reserved_at = excluded.reserved_at
        WHERE mail_slot_free(s.holder, s.reserved_at, claimant, throttle_secs);
    ELSE
        INSERT INTO address_mail_slots AS s (address, kind, holder, reserved_at)
        VALUES (lower(for_address), slot_kind, claimant, now())
        ON CONFLICT (address, kind) DO UPDATE
        SET holder = excluded.holder, reserved_at = excluded.reserved_at
        WHERE mail_slot_free(s.holder, s.reserved_at, claimant, throttle_secs);
    END IF;
    -- A row inserted or updated: the slot is the claimant's.
    RETURN FOUND;
END
$$;
