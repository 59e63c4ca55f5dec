// Package webtest drives the reference web app in web/ in a real Chromium
// against the real api and worker binaries, with the app and the API on
// different origins so that every API call is a cross-origin request with
// a preflight, as on Vercel and a Space. Mail goes through a real Mailpit
// and is read through its HTTP API.
//
// The tests skip when Chromium is not installed, except with CI=true, where
// they fail. axe-core, for the accessibility checks, is installed by
// .ci/web-test-deps into internal/webtest/axe/node_modules; without it the
// checks are skipped with a message (and fail with CI=true).
// WEB_SCREENSHOTS_DIR=<dir> makes the journey save a screenshot of every
// page at desktop and phone widths there (`make screenshots`).
package webtest
