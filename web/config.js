// The one setting of the web app: where the API lives, without a trailing
// slash. The API must list this site's origin in CORS_ALLOWED_ORIGINS.
// `make run` serves a generated copy of this file that points at the local
// API (internal/tools/webdev -api).
export const API_URL = "http://localhost:8080";
