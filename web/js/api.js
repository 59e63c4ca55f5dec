// One way to call the API: JSON in, JSON out, and every failure turned into
// an ApiError that carries the API's error code, message and details
// (docs/api.md, "Errors").
import { API_URL } from "/config.js";
import { t } from "/js/i18n.js";

export class ApiError extends Error {
  constructor(status, code, message, details, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
    this.retryAfter = retryAfter;
  }
}

export async function api(method, path, { body, token } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = "Bearer " + token;
  let res;
  try {
    res = await fetch(API_URL + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new ApiError(0, "network_error", t("We could not reach the server. Check your connection and try again."));
  }
  let data = null;
  if (res.status !== 204) {
    try {
      data = await res.json();
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    let message = e.message || "Something went wrong (HTTP " + res.status + "). Try again.";
    // On-call finds a failed request by its ID (docs/runbook.md).
    const requestID = res.headers.get("X-Request-ID");
    if (res.status >= 500 && requestID) message += " (Request ID: " + requestID + ")";
    throw new ApiError(res.status, e.code || "http_" + res.status, message, e.details, res.headers.get("Retry-After"));
  }
  return { status: res.status, data };
}
