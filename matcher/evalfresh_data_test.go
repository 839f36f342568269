package matcher_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// freshDir holds the second evaluation set, written without reading the matcher.
const freshDir = "testdata/eval_fresh"

type freshCity struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Country    string   `json:"country"`
	Region     string   `json:"region"`
	Population int64    `json:"population"`
	Languages  []string `json:"languages"`
}

type freshChallenge struct {
	ID              string   `json:"id"`
	CityID          string   `json:"city_id"`
	Language        string   `json:"language"`
	Title           string   `json:"title"`
	Description     string   `json:"description"`
	Themes          []string `json:"themes"`
	Modes           []string `json:"modes"`
	SkillsNeeded    []string `json:"skills_needed"`
	StrategicResult string   `json:"strategic_result"`
}

type freshPractice struct {
	ID          string   `json:"id"`
	CityID      string   `json:"city_id"`
	Language    string   `json:"language"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Results     string   `json:"results"`
	Themes      []string `json:"themes"`
}

type freshExpert struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	CityID      string   `json:"city_id"`
	BioLanguage string   `json:"bio_language"`
	Languages   []string `json:"languages"`
	Role        string   `json:"role"`
	Seniority   string   `json:"seniority"`
	Themes      []string `json:"themes"`
	Skills      []string `json:"skills"`
	Bio         string   `json:"bio"`
	Modes       []string `json:"modes"`
	Capacity    int      `json:"capacity"`
	TrackRecord []struct {
		Title   string `json:"title"`
		Summary string `json:"summary"`
		Year    int    `json:"year"`
	} `json:"track_record"`
}

// readFresh decodes one file of the set strictly, so that a field the format does not
// have (a typo in a key) fails the test instead of being silently dropped.
func readFresh(t *testing.T, name string, v any) {
	t.Helper()
	f, err := os.Open(filepath.Join(freshDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestFreshEvalSetIsConsistent checks the second evaluation set as data: every id it
// judges exists, every theme is in the taxonomy, each document is written in a language
// of its city, each challenge has enough relevant documents and a look-alike, and most
// relevant pairs cross languages, which is what the set is for.
func TestFreshEvalSetIsConsistent(t *testing.T) {
	var (
		cities     []freshCity
		challenges []freshChallenge
		practices  []freshPractice
		experts    []freshExpert
		qrels      map[string]map[string]int
		taxonomy   []struct {
			Code string `json:"code"`
		}
	)
	readFresh(t, "cities.json", &cities)
	readFresh(t, "challenges.json", &challenges)
	readFresh(t, "practices.json", &practices)
	readFresh(t, "experts.json", &experts)
	readFresh(t, "qrels.json", &qrels)
	raw, err := os.ReadFile(filepath.Join("..", "profiles", "themes.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &taxonomy); err != nil {
		t.Fatal(err)
	}
	themes := map[string]bool{}
	for _, th := range taxonomy {
		themes[th.Code] = true
	}

	cityLangs := map[string][]string{}
	for _, c := range cities {
		if _, dup := cityLangs[c.ID]; dup {
			t.Errorf("city %s twice", c.ID)
		}
		cityLangs[c.ID] = c.Languages
	}
	lang := map[string]string{} // document or challenge id -> language it is written in
	check := func(id, cityID, language string, docThemes []string, spoken []string) {
		if _, dup := lang[id]; dup {
			t.Errorf("id %s twice", id)
		}
		lang[id] = language
		if _, ok := cityLangs[cityID]; !ok {
			t.Errorf("%s: unknown city %q", id, cityID)
		}
		if !slices.Contains(spoken, language) {
			t.Errorf("%s: written in %q, not one of %v", id, language, spoken)
		}
		if len(docThemes) == 0 {
			t.Errorf("%s: no themes", id)
		}
		for _, th := range docThemes {
			if !themes[th] {
				t.Errorf("%s: theme %q is not in the taxonomy", id, th)
			}
		}
	}
	for _, c := range challenges {
		check(c.ID, c.CityID, c.Language, c.Themes, cityLangs[c.CityID])
	}
	for _, p := range practices {
		check(p.ID, p.CityID, p.Language, p.Themes, cityLangs[p.CityID])
	}
	for _, e := range experts {
		check(e.ID, e.CityID, e.BioLanguage, e.Themes, e.Languages)
	}

	var relevant, cross int
	for _, c := range challenges {
		judged, ok := qrels[c.ID]
		if !ok {
			t.Errorf("%s: no judgements", c.ID)
			continue
		}
		var practicesRel, expertsRel, lookAlikes int
		for id, g := range judged {
			if _, ok := lang[id]; !ok || strings.HasPrefix(id, "q") {
				t.Errorf("%s: judges unknown document %q", c.ID, id)
				continue
			}
			if g < 0 || g > 3 {
				t.Errorf("%s/%s: grade %d out of 0..3", c.ID, id, g)
			}
			switch {
			case g == 0:
				lookAlikes++
			case g >= 2:
				relevant++
				if lang[id] != c.Language {
					cross++
				}
				if strings.HasPrefix(id, "p") {
					practicesRel++
				} else {
					expertsRel++
				}
			}
		}
		if practicesRel < 3 || expertsRel < 3 || lookAlikes < 1 {
			t.Errorf("%s: %d practices and %d experts graded 2 or more, %d look-alikes; want 3, 3, 1",
				c.ID, practicesRel, expertsRel, lookAlikes)
		}
	}
	for id := range qrels {
		if _, ok := lang[id]; !ok {
			t.Errorf("judgements for unknown challenge %q", id)
		}
	}
	if relevant == 0 {
		t.Fatal("no relevant pairs")
	}
	share := float64(cross) / float64(relevant)
	t.Logf("%d relevant pairs, %d across languages (%.1f%%)", relevant, cross, 100*share)
	if share < 0.6 || share > 0.8 {
		t.Errorf("cross-language share of relevant pairs is %.1f%%, want about 70%%", 100*share)
	}
}
