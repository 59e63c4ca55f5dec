package postgres

// Text is the string a nullable text column holds, or "" for NULL: sqlc
// scans such a column into a *string.
func Text(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
