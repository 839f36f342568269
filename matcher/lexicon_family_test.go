package matcher

import "testing"

// TestSameFamily pins which folded words a lexicon term's word finds in a
// text: its inflections, in each language, and not the words of its stem
// that mean something else.
func TestSameFamily(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"dechet", "dechets", true},
		{"collecte", "collectees", true},
		{"city", "cities", true},
		{"policy", "policies", true},
		{"urbano", "urbanas", true},
		{"comunidad", "comunidades", true},
		{"participation", "participatif", true},
		{"redevance", "redevances", true},

		{"integrite", "integration", false},
		{"integrite", "integree", false},
		{"integrite", "integrees", false},
		{"integridad", "integrada", false},
		{"integrity", "integration", false},
		{"redevabilite", "redevance", false},
		{"accountability", "accountable", false},
		{"securite", "securiser", false},
		{"urbanisme", "urban", false},
		{"publication", "public", false},
	}
	for _, tc := range tests {
		if got := sameFamily(tc.a, tc.b); got != tc.same {
			t.Errorf("sameFamily(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.same)
		}
		if got := sameFamily(tc.b, tc.a); got != tc.same {
			t.Errorf("sameFamily(%q, %q) = %v, want %v", tc.b, tc.a, got, tc.same)
		}
	}
}
