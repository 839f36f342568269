package matcher_test

import (
	"encoding/json"
	"fmt"
	"os"

	"matchmaker/matcher"
)

// themesPath is the shipped taxonomy, read by relative path: the matcher
// does not import the profiles package.
const themesPath = "../profiles/themes.json"

// loadThemeLexicon builds a lexicon from the taxonomy's labels and synonyms
// in the three languages, each theme code a concept.
func loadThemeLexicon() (*matcher.Lexicon, error) {
	b, err := os.ReadFile(themesPath)
	if err != nil {
		return nil, err
	}
	var themes []struct {
		Code     string              `json:"code"`
		Labels   map[string]string   `json:"labels"`
		Synonyms map[string][]string `json:"synonyms"`
	}
	if err := json.Unmarshal(b, &themes); err != nil {
		return nil, fmt.Errorf("parse %s: %w", themesPath, err)
	}
	var entries []matcher.LexiconEntry
	for _, th := range themes {
		for _, l := range matcher.Languages() {
			if lb := th.Labels[string(l)]; lb != "" {
				entries = append(entries, matcher.LexiconEntry{Concept: th.Code, Lang: l, Term: lb})
			}
			for _, s := range th.Synonyms[string(l)] {
				entries = append(entries, matcher.LexiconEntry{Concept: th.Code, Lang: l, Term: s})
			}
		}
	}
	return matcher.NewLexicon(entries), nil
}
