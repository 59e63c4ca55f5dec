-- Accounts. The email is stored as normalized by the API (trimmed, domain
-- lower-cased); uniqueness is case-insensitive through the index on lower(email)
-- so that "John@example.com" and "john@example.com" are one account.
CREATE TABLE users (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email               text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name                text        NOT NULL,
    password_hash       text        NOT NULL,
    -- token_version is embedded in every JWT; bumping it revokes every token
    -- issued before a password change.
    token_version       integer     NOT NULL DEFAULT 1,
    password_changed_at timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
