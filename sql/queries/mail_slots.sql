-- The per-account send slots (migration 0004) that reset_prepare and
-- signup_prepare reserve.

-- name: MailSlotRelease :exec
-- Frees the slot a request reserved but will never use (it expired or
-- failed for good), so that the account's next request may send at once.
-- Only the holder frees it: a slot another request has since taken stays.
DELETE FROM mail_slots
WHERE user_id = sqlc.arg(user_id) AND kind = sqlc.arg(kind) AND holder = sqlc.arg(holder);
