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
	for _, line := range strings.Split(string(readme), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			comment = line
			continue
		}
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
