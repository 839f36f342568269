package profiles

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

//go:embed themes.json
var themesJSON []byte

// Theme is one subject of the shipped taxonomy: a municipal policy subject or one of
// the 17 Sustainable Development Goals. Its labels and synonyms in English, French
// and Spanish are what lets the matcher cross languages.
type Theme struct {
	Code        string              `json:"code"`
	Kind        string              `json:"kind"`
	Labels      map[string]string   `json:"labels"`
	Description map[string]string   `json:"description,omitempty"`
	Synonyms    map[string][]string `json:"synonyms"`
}

// Taxonomy is the read-only set of themes shipped with the service.
type Taxonomy struct {
	themes []Theme
	byCode map[string]int
}

// LoadTaxonomy parses the embedded theme taxonomy.
func LoadTaxonomy() (*Taxonomy, error) {
	var themes []Theme
	if err := json.Unmarshal(themesJSON, &themes); err != nil {
		return nil, fmt.Errorf("parse theme taxonomy: %w", err)
	}
	t := &Taxonomy{themes: themes, byCode: make(map[string]int, len(themes))}
	for i, th := range themes {
		if _, dup := t.byCode[th.Code]; dup {
			return nil, fmt.Errorf("parse theme taxonomy: duplicate code %q", th.Code)
		}
		t.byCode[th.Code] = i
	}
	return t, nil
}

// Themes returns every theme in the taxonomy's order. The caller must not modify them.
func (t *Taxonomy) Themes() []Theme { return t.themes }

// Theme returns the theme with code.
func (t *Taxonomy) Theme(code string) (Theme, bool) {
	i, ok := t.byCode[code]
	if !ok {
		return Theme{}, false
	}
	return t.themes[i], true
}

// Has reports whether code is a theme of the taxonomy.
func (t *Taxonomy) Has(code string) bool {
	_, ok := t.byCode[code]
	return ok
}
