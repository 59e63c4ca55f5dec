-- The worker writes each reset request twice: reset_prepare records the
-- user and the token's hash, and reset_mark_sent records the send. The
-- second write changes only outcome and sent_at, so it can be a HOT update
-- (a new row version on the same page, no index touched) if no index
-- covers those columns and the page has room. That halves the database's
-- work for it (docs/benchmarks.md, figure 1).
--
-- password_reset_requests_user_sent_idx covered sent_at, and nothing reads
-- it any more: the flood limit moved to mail_slots (0004). A plain index on
-- user_id serves what does look requests up by user: reset_void_others,
-- which without it scanned the whole table on every password reset, and
-- the ON DELETE CASCADE from users, which did the same on every account
-- deletion.
DROP INDEX password_reset_requests_user_sent_idx;
CREATE INDEX password_reset_requests_user_idx ON password_reset_requests (user_id);

-- Leave a fifth of each page free for those updates: the API fills pages
-- with new requests, and an update that finds no room on its page cannot
-- be HOT.
ALTER TABLE password_reset_requests SET (fillfactor = 80);
