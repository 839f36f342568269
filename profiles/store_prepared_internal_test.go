package profiles

import "testing"

func TestNumbered(t *testing.T) {
	for text, want := range map[string]string{
		"SELECT 1":                                   "SELECT 1",
		"UPDATE t SET a = ? WHERE id = ?":            "UPDATE t SET a = $1 WHERE id = $2",
		"INSERT INTO t (a, b) VALUES (?, ?), (?, ?)": "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)",
		"?": "$1",
	} {
		if got := numbered(text); got != want {
			t.Errorf("numbered(%q) = %q, want %q", text, got, want)
		}
		if got := numbered(text); got != want { // from the cache
			t.Errorf("numbered(%q) again = %q, want %q", text, got, want)
		}
	}
}
