package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"matchmaker/api"
	"matchmaker/demo"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// TestReadmeExamples runs every curl call of the README against the demo network,
// as written: a call the README presents as bad input must get a problem, every
// other call must succeed.
func TestReadmeExamples(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	store := profilestest.OpenStore(t, profilestest.SQLiteDB(t, true), profiles.WithLanguageDetector(detectLanguage))
	if _, err := demo.Load(context.Background(), store); err != nil {
		t.Fatal(err)
	}
	h := api.New(api.Config{Store: store, Logger: slog.New(slog.DiscardHandler)})
	_, key, err := store.CreateKey(context.Background(), profiles.KeyInput{Name: "readme", Role: profiles.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	calls, comment := 0, ""
	vars := map[string]string{"KEY": key}
	answers := map[string][]answer{} // the answers to the calls under each comment
	inComment := false
	for _, line := range strings.Split(string(readme), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			// A comment of several lines is one comment.
			if inComment {
				comment += " " + strings.TrimSpace(strings.TrimPrefix(line, "#"))
			} else {
				comment = line
			}
			inComment = true
			continue
		}
		inComment = false
		// NAME=$(curl … | jq -r .path) keeps a value of the answer for the
		// calls after it, as a shell would; NAME=$(curl -o /dev/null -w
		// '%header{name}' …) keeps a header of the answer.
		name, capture := "", ""
		if m := captureLine.FindStringSubmatch(line); m != nil {
			name, line, capture = m[1], m[2], m[3]
		} else if m := captureHeader.FindStringSubmatch(line); m != nil {
			name, line, capture = m[1], m[2], "header:"+m[3]
		}
		if !strings.HasPrefix(line, "curl ") {
			continue
		}
		calls++
		req := curlRequest(t, line, vars)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		answers[comment] = append(answers[comment], answer{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()})
		wantProblem := strings.Contains(comment, "problem")
		switch {
		case wantProblem && rec.Code < 400:
			t.Errorf("%s\n  answered %d, want a problem", line, rec.Code)
		case !wantProblem && rec.Code >= 400:
			t.Errorf("%s\n  answered %d: %s", line, rec.Code, rec.Body)
		}
		if h, ok := strings.CutPrefix(capture, "header:"); ok {
			v := rec.Header().Get(h)
			if v == "" {
				t.Fatalf("%s\n  answered no %s header", line, h)
			}
			vars[name] = v
		} else if name != "" {
			v, err := jqPath(rec.Body.Bytes(), capture)
			if err != nil {
				t.Fatalf("%s\n  %s: %v in %s", line, capture, err, rec.Body)
			}
			vars[name] = v
		}
	}
	if calls < 10 {
		t.Fatalf("found %d curl calls in the README", calls)
	}
	// What the comments say of their calls holds.
	for start, check := range readmeClaims {
		found := false
		for comment, as := range answers {
			if strings.HasPrefix(comment, start) {
				found = true
				if err := check(as, vars); err != nil {
					t.Errorf("%s\n  %v", comment, err)
				}
			}
		}
		if !found {
			t.Errorf("no README comment starts with %q: update readmeClaims with the README", start)
		}
	}
}

// answer is the answer to one README call.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// list reads a list answer's items and total.
func (a answer) list() (items []map[string]any, total int, next any, err error) {
	var l struct {
		Items      []map[string]any `json:"items"`
		Total      int              `json:"total"`
		NextCursor any              `json:"next_cursor"`
	}
	err = json.Unmarshal(a.body, &l)
	return l.Items, l.Total, l.NextCursor, err
}

// everyItem checks that the list answer a has items, each passing ok.
func everyItem(a answer, what string, ok func(map[string]any) bool) error {
	items, _, _, err := a.list()
	if err != nil || len(items) == 0 {
		return fmt.Errorf("%s: no items (%v): %.300s", what, err, a.body)
	}
	for _, it := range items {
		if !ok(it) {
			return fmt.Errorf("%s: item %v", what, it)
		}
	}
	return nil
}

func has(list any, v string) bool {
	l, _ := list.([]any)
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// readmeClaims check what a README comment claims of the calls below it, by
// the comment's start.
var readmeClaims = map[string]func(as []answer, vars map[string]string) error{
	"# the theme taxonomy in English, French and Spanish: its policy subjects, then the 17 SDGs": func(as []answer, _ map[string]string) error {
		if err := everyItem(as[0], "policy", func(it map[string]any) bool {
			labels, _ := it["labels"].(map[string]any)
			return it["kind"] == "policy" && labels["en"] != nil && labels["fr"] != nil && labels["es"] != nil
		}); err != nil {
			return err
		}
		if _, total, _, _ := as[1].list(); total != 17 {
			return fmt.Errorf("kind=sdg: %d themes, want 17", total)
		}
		return everyItem(as[1], "sdg", func(it map[string]any) bool { return it["kind"] == "sdg" })
	},
	"# cities of a region, open challenges, practices on a theme, experts who speak Spanish": func(as []answer, _ map[string]string) error {
		for _, c := range []struct {
			what string
			ok   func(map[string]any) bool
		}{
			{"cities of Africa", func(it map[string]any) bool { return it["region"] == "africa" }},
			{"open French challenges", func(it map[string]any) bool { return it["status"] == "open" && it["language"] == "fr" }},
			{"practices on participatory budgeting", func(it map[string]any) bool { return has(it["themes"], "participatory_budgeting") }},
			{"Spanish-speaking mayors", func(it map[string]any) bool { return it["role"] == "mayor" && has(it["languages"], "es") }},
			{"Montevideo", func(it map[string]any) bool { return it["name"] == "Montevideo" }},
		} {
			if err := everyItem(as[0], c.what, c.ok); err != nil {
				return err
			}
			as = as[1:]
		}
		return nil
	},
	"# practices on the subject of some words, in every language": func(as []answer, _ map[string]string) error {
		items, _, _, err := as[0].list()
		if err != nil || len(items) != 5 {
			return fmt.Errorf("%d items (%v): %.300s", len(items), err, as[0].body)
		}
		var fr, es bool
		for _, it := range items {
			name, _ := it["name"].(string)
			fr = fr || strings.Contains(strings.ToLower(name), "budget participatif")
			es = es || strings.Contains(strings.ToLower(name), "presupuesto participativo")
			exp, _ := it["explanation"].(map[string]any)
			if exp["matched_terms"] == nil && exp["shared_concepts"] == nil {
				return fmt.Errorf("%s: no words matched are shown", name)
			}
		}
		if !fr || !es {
			return fmt.Errorf("no French (%v) or no Spanish (%v) practice: %.500s", fr, es, as[0].body)
		}
		return nil
	},
	"# one city, then a list two by two": func(as []answer, vars map[string]string) error {
		first, _, next, _ := as[1].list()
		second, _, _, _ := as[2].list()
		if len(first) != 2 || len(second) != 2 || next == nil || first[0]["id"] == second[0]["id"] {
			return fmt.Errorf("pages %v then %v (next_cursor %v)", first, second, next)
		}
		return nil
	},
	"# a new city, sent twice with one Idempotency-Key": func(as []answer, vars map[string]string) error {
		if as[0].status != 201 || as[1].status != 201 || vars["CUENCA"] == "" || vars["CUENCA"] != vars["AGAIN"] || as[1].header.Get("Idempotent-Replayed") != "true" {
			return fmt.Errorf("answers %d then %d (replayed %q), cities %s and %s", as[0].status, as[1].status,
				as[1].header.Get("Idempotent-Replayed"), vars["CUENCA"], vars["AGAIN"])
		}
		return nil
	},
	"# a change to that city": func(as []answer, vars map[string]string) error {
		if as[0].status != 200 || !strings.Contains(string(as[0].body), `"population":640000`) || as[1].status != 204 {
			return fmt.Errorf("PATCH %d %s, DELETE %d", as[0].status, as[0].body, as[1].status)
		}
		return nil
	},
	"# the removed city is gone": func(as []answer, _ map[string]string) error {
		if as[0].status != 404 {
			return fmt.Errorf("GET answered %d", as[0].status)
		}
		return nil
	},
	"# a practice whose language is detected from its text": func(as []answer, _ map[string]string) error {
		if !strings.Contains(string(as[0].body), `"language":"es"`) {
			return fmt.Errorf("language not detected as es: %s", as[0].body)
		}
		return nil
	},
	"# a write without a key is refused with a problem (401)": func(as []answer, _ map[string]string) error {
		if as[0].status != 401 {
			return fmt.Errorf("answered %d", as[0].status)
		}
		return nil
	},
	"# bad input is answered with application/problem+json naming every bad field": func(as []answer, _ map[string]string) error {
		return problemFields(as[0], "en", "name", "country", "region", "languages")
	},
	"# the same problem in French": func(as []answer, _ map[string]string) error {
		if err := problemFields(as[0], "fr", "name", "country", "region", "languages"); err != nil {
			return err
		}
		if !strings.Contains(string(as[0].body), "est obligatoire") || !strings.Contains(string(as[0].body), `"code":"required"`) {
			return fmt.Errorf("not in French, or without codes: %s", as[0].body)
		}
		return nil
	},
	"# suggestions for Dakar's French challenge on household waste": func(as []answer, _ map[string]string) error {
		for i, kind := range []string{"practice", "expert", "city"} {
			if err := everyItem(as[i], kind+" suggestions", func(it map[string]any) bool {
				score, _ := it["score"].(float64)
				return it["kind"] == kind && score > 0 && it["explanation"] != nil
			}); err != nil {
				return err
			}
		}
		return nil
	},
	"# \"why not this person?\"": func(as []answer, _ map[string]string) error {
		var s struct {
			Explanation struct {
				Excluded bool     `json:"excluded"`
				Reasons  []string `json:"exclusion_reasons"`
			} `json:"explanation"`
		}
		if err := json.Unmarshal(as[0].body, &s); err != nil || !s.Explanation.Excluded || len(s.Explanation.Reasons) == 0 {
			return fmt.Errorf("not excluded with a reason: %s", as[0].body)
		}
		return nil
	},
}

// problemFields checks that a is a problem in lang naming exactly fields.
func problemFields(a answer, lang string, fields ...string) error {
	var p api.Problem
	if err := json.Unmarshal(a.body, &p); err != nil || a.status != 422 || a.header.Get("Content-Language") != lang {
		return fmt.Errorf("%d %s (Content-Language %q)", a.status, a.body, a.header.Get("Content-Language"))
	}
	var got []string
	for _, f := range p.Errors {
		got = append(got, f.Field)
	}
	if strings.Join(got, ",") != strings.Join(fields, ",") {
		return fmt.Errorf("fields %v, want %v", got, fields)
	}
	return nil
}

// curlRequest turns a README curl line into a request: -X, -H and -d, quoted the
// way the README quotes them.
func curlRequest(t *testing.T, line string, vars map[string]string) *http.Request {
	t.Helper()
	args := shellWords(line, vars)[1:]
	method, target, body := "", "", ""
	header := http.Header{}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-s":
		case "-o", "-w":
			i++ // where the body goes and what is printed: the test reads both itself
		case "-X":
			i++
			method = args[i]
		case "-H":
			i++
			k, v, _ := strings.Cut(args[i], ":")
			header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		case "-d":
			i++
			body = args[i]
		default:
			target = args[i]
		}
	}
	if method == "" {
		method = http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
	}
	u, err := url.Parse(target)
	if err != nil || u.Host != "localhost:8080" {
		t.Fatalf("curl target %q: the README's calls go to http://localhost:8080", target)
	}
	req := httptest.NewRequest(method, u.RequestURI(), strings.NewReader(body))
	req.Header = header
	return req
}

// captureLine is NAME=$(curl … | jq -r .path).
var captureLine = regexp.MustCompile(`^([A-Z_]+)=\$\((curl .*) \| jq -r (\S+)\)$`)

// captureHeader is NAME=$(curl -s -o /dev/null -w '%header{name}' …).
var captureHeader = regexp.MustCompile(`^([A-Z_]+)=\$\((curl -s -o /dev/null -w '%header\{([A-Za-z-]+)\}' .*)\)$`)

// jqPath reads a path such as .id or .members[0].expert_id from a JSON document.
func jqPath(doc []byte, path string) (string, error) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return "", err
	}
	for _, part := range strings.Split(strings.TrimPrefix(path, "."), ".") {
		key, idx, indexed := strings.Cut(part, "[")
		if key != "" {
			m, ok := v.(map[string]any)
			if !ok {
				return "", fmt.Errorf("%s is not an object", key)
			}
			v = m[key]
		}
		if indexed {
			n, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
			a, ok := v.([]any)
			if err != nil || !ok || n >= len(a) {
				return "", fmt.Errorf("no element [%s", idx)
			}
			v = a[n]
		}
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("not a string: %v", v)
	}
	return s, nil
}

// shellWords splits a command line on spaces as a shell would for the README's
// calls: single quotes keep a word whole, double quotes too but expand $NAME,
// as bare words do; quoted and bare parts next to each other make one word.
func shellWords(s string, vars map[string]string) []string {
	var words []string
	var cur strings.Builder
	quote, inWord := rune(0), false
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == 0 && (r == '\'' || r == '"'):
			quote, inWord = r, true
		case quote != 0 && r == quote:
			quote = 0
		case r == '$' && quote != '\'':
			j := i + 1
			for j < len(rs) && (rs[j] == '_' || (rs[j] >= 'A' && rs[j] <= 'Z')) {
				j++
			}
			cur.WriteString(vars[string(rs[i+1:j])])
			i, inWord = j-1, true
		case r == ' ' && quote == 0:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
