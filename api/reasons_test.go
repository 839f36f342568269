package api_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"matchmaker/locale"
	"matchmaker/matcher"
	"matchmaker/workflow"
)

// TestExplanationsInTheReadersLanguage asks for the same explanations in
// English, French and Spanish: the answer says its language and that it
// depends on Accept-Language, the reasons are the same data in each, and the
// French and Spanish words hold no English word of the messages they say.
func TestExplanationsInTheReadersLanguage(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		network(t, x)
		paths := []string{
			"/v1/challenges/{c_waste}/explain?practice_id={p_bristol_kerbside}",
			"/v1/challenges/{c_waste}/explain?practice_id={p_lyon_waste}",
			"/v1/challenges/{c_waste}/explain?practice_id={p_mtl_draft}",
			"/v1/challenges/{c_waste}/explain?expert_id={e_paused}",
			"/v1/challenges/{c_waste}/explain?expert_id={e_full}",
			"/v1/challenges/{c_waste}/explain?expert_id={e_english}",
			"/v1/challenges/{c_waste}/explain?expert_id={e_tremblay}&mode=tutoring&weights=themes:0.5",
			"/v1/challenges/{c_waste}/explain?city_id={dakar}&similar_context=true",
			"/v1/challenges/{c_waste}/explain?city_id={quito}",
		}
		for _, path := range paths {
			t.Run(path, func(t *testing.T) {
				var en matcher.Suggestion
				for _, tc := range []struct {
					header string
					lang   locale.Lang
				}{{"", locale.English}, {"fr-CA, en;q=0.5", locale.French}, {"es", locale.Spanish}, {"de", locale.English}} {
					r := x.do(t, "GET", path, "", "Accept-Language", tc.header)
					if r.Status != 200 {
						t.Fatalf("%s: status %d: %s", tc.header, r.Status, r.Body)
					}
					if got := r.Header.Get("Content-Language"); got != string(tc.lang) {
						t.Errorf("Accept-Language %q: Content-Language %q, want %s", tc.header, got, tc.lang)
					}
					if !slices.Contains(r.Header.Values("Vary"), "Accept-Language") {
						t.Errorf("Vary %q does not name Accept-Language", r.Header.Values("Vary"))
					}
					var s matcher.Suggestion
					if err := json.Unmarshal(r.Body, &s); err != nil {
						t.Fatal(err)
					}
					words := sentencesOf(s.Explanation)
					if len(words) == 0 {
						t.Fatalf("no sentence in %s", r.Body)
					}
					for _, w := range words {
						if strings.Contains(w, "{{") || strings.HasPrefix(w, "explain.") || strings.Contains(w, "<no value>") {
							t.Errorf("%s: unrendered %q", tc.lang, w)
						}
					}
					if tc.lang == locale.English {
						if tc.header == "" {
							en = s
						}
						continue
					}
					if !sameReasons(en.Explanation, s.Explanation) {
						t.Errorf("%s: the reasons differ from English", tc.lang)
					}
					english := englishWords(t, tc.lang, codesOf(s.Explanation))
					// The check can fail: the English words of the same
					// explanation hold some of them.
					if !slices.ContainsFunc(sentencesOf(en.Explanation), func(e string) bool {
						return slices.ContainsFunc(wordsIn(e), func(w string) bool { return english[strings.ToLower(w)] })
					}) {
						t.Errorf("%s: none of the English words %v is in the English sentences %q", tc.lang, english, sentencesOf(en.Explanation))
					}
					for _, sentence := range words {
						for _, w := range wordsIn(sentence) {
							if english[strings.ToLower(w)] {
								t.Errorf("%s says the English word %q: %q", tc.lang, w, sentence)
							}
						}
					}
				}
			})
		}
	})
}

// sentencesOf are every sentence of an explanation, its directions' included.
func sentencesOf(e matcher.Explanation) []string {
	out := slices.Clone(e.ExclusionReasons)
	if e.WeightScaling != "" {
		out = append(out, e.WeightScaling)
	}
	for _, c := range e.Contributions {
		if c.Detail != "" {
			out = append(out, c.Detail)
		}
	}
	for _, d := range e.Directions {
		out = append(out, sentencesOf(d.Explanation)...)
	}
	return out
}

// codesOf are the reason codes of an explanation, nested reasons included.
func codesOf(e matcher.Explanation) []matcher.ReasonCode {
	var out []matcher.ReasonCode
	add := func(rs []matcher.Reason) {
		for _, r := range rs {
			out = append(out, r.Code)
			for _, a := range r.Args {
				if nested, ok := a.Value.(map[string]any); ok && a.Type == matcher.ArgReason {
					out = append(out, matcher.ReasonCode(nested["code"].(string)))
				}
			}
		}
	}
	add(e.Exclusions)
	add(e.Scaling)
	for _, c := range e.Contributions {
		add(c.Reasons)
	}
	return out
}

// sameReasons reports whether two explanations hold the same reasons.
func sameReasons(a, b matcher.Explanation) bool {
	for i := range b.Contributions {
		b.Contributions[i].Detail = ""
	}
	for i := range a.Contributions {
		a.Contributions[i].Detail = ""
	}
	ja, _ := json.Marshal([]any{a.Exclusions, a.Scaling, a.Contributions, a.Score})
	jb, _ := json.Marshal([]any{b.Exclusions, b.Scaling, b.Contributions, b.Score})
	return string(ja) == string(jb)
}

var wordRE, letters = regexp.MustCompile(`[\p{L}\p{N}_]+`), regexp.MustCompile(`^\p{L}+$`)

// wordsIn are the words of s: runs of letters (an ID, a code or a number
// is no word).
func wordsIn(s string) []string {
	var out []string
	for _, w := range wordRE.FindAllString(s, -1) {
		if letters.MatchString(w) {
			out = append(out, w)
		}
	}
	return out
}

// englishWords are the words of the English messages of codes (their
// placeholders left out) that no message of lang uses: words a translation
// must not say. The messages are read as written, from the catalogue's files.
func englishWords(t *testing.T, lang locale.Lang, codes []matcher.ReasonCode) map[string]bool {
	t.Helper()
	placeholder := regexp.MustCompile(`\{\{[^}]*\}\}`)
	read := func(l locale.Lang) map[string]string {
		var raw map[string]any
		if _, err := toml.DecodeFile("../locale/messages/explain."+string(l)+".toml", &raw); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for id, v := range raw {
			switch v := v.(type) {
			case string:
				out[id] = v
			case map[string]any:
				for _, f := range v {
					out[id] += " " + f.(string)
				}
			}
		}
		return out
	}
	theirs := map[string]bool{}
	for _, msg := range read(lang) {
		for _, w := range wordsIn(placeholder.ReplaceAllString(msg, " ")) {
			theirs[strings.ToLower(w)] = true
		}
	}
	en := read(locale.English)
	out := map[string]bool{}
	for _, c := range codes {
		msg, ok := en[workflow.MessageID(c)]
		if !ok {
			t.Fatalf("no English message for %s", c)
		}
		for _, w := range wordsIn(placeholder.ReplaceAllString(msg, " ")) {
			if lw := strings.ToLower(w); len(lw) > 1 && !theirs[lw] {
				out[lw] = true
			}
		}
	}
	return out
}
