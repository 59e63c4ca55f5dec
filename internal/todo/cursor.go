package todo

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// cursorPrefix versions the cursor format so that it can change without
// misreading cursors that clients still hold.
const cursorPrefix = "v1:"

// encodeCursor turns the last task ID of a page into an opaque cursor.
// Clients must not parse it; base64 makes that plain.
func encodeCursor(lastID int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(lastID, 10)))
}

// decodeCursor returns the task ID a cursor points after, or false when the
// cursor was not made by encodeCursor.
func decodeCursor(c string) (int64, bool) {
	if len(c) > 64 {
		return 0, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}
