-- Accounts. Emails are stored as the API normalized them; every lookup goes
-- through lower(email) so that it uses the unique index users_email_lower_key
-- and treats "Ada@Example.com" and "ada@example.com" as one account.

-- name: UserCreate :one
-- The account, unless the address has one already in any letter case: then
-- no row comes back, which register answers with 409 conflict and
-- verify-email with "the first sign-up verified wins". locale is the
-- sign-up request's language preference, NULL for none.
INSERT INTO users (email, name, password_hash, locale)
VALUES (sqlc.arg(email), sqlc.arg(name), sqlc.arg(password_hash), sqlc.narg(locale))
ON CONFLICT (lower(email)) DO NOTHING
RETURNING id, email, name, created_at, token_version, locale;

-- name: UserCredentialsByEmail :one
-- Login reads the hash and the token version it embeds in the new JWT.
SELECT id, password_hash, token_version
FROM users
WHERE lower(email) = lower(sqlc.arg(email));

-- name: UserByID :one
-- Runs on every authenticated request: the primary key lookup returns the
-- current token_version, which revokes JWTs issued before a password change,
-- and the stored locale, which /api/auth/me shows the web app.
SELECT id, email, name, created_at, token_version, locale
FROM users
WHERE id = $1;

-- name: UserSetPassword :one
-- A new password revokes every access token issued before it: bumping
-- token_version is auth's revocation rule, kept here with the others.
UPDATE users
SET password_hash = sqlc.arg(password_hash),
    token_version = token_version + 1,
    password_changed_at = now(),
    updated_at = now()
WHERE id = sqlc.arg(id)
RETURNING email;
