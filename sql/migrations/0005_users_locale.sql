-- Issue 15: the language an account's mail is written in when a request
-- names none. It holds the sign-up request's language preference as BCP 47
-- tags in order ("de-DE,de,en"; see internal/locale), not one resolved
-- language, so that templates added later (TEMPLATE_DIR) can still match it.
-- NULL: the account never said; its mail follows each request, or
-- DEFAULT_LOCALE.
ALTER TABLE users
    ADD COLUMN locale text CHECK (locale IS NULL OR length(locale) BETWEEN 1 AND 215);
