package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
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
	calls, comment := 0, ""
	for _, line := range strings.Split(string(readme), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			comment = line
			continue
		}
		if !strings.HasPrefix(line, "curl ") {
			continue
		}
		calls++
		req := curlRequest(t, line)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		wantProblem := strings.Contains(comment, "problem")
		switch {
		case wantProblem && rec.Code < 400:
			t.Errorf("%s\n  answered %d, want a problem", line, rec.Code)
		case !wantProblem && rec.Code >= 400:
			t.Errorf("%s\n  answered %d: %s", line, rec.Code, rec.Body)
		}
	}
	if calls < 10 {
		t.Fatalf("found %d curl calls in the README", calls)
	}
}

// curlRequest turns a README curl line into a request: -X, -H and -d, quoted the
// way the README quotes them.
func curlRequest(t *testing.T, line string) *http.Request {
	t.Helper()
	args := shellWords(line)[1:]
	method, target, body := "", "", ""
	header := http.Header{}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-s":
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

// shellWords splits a command line on spaces, keeping single-quoted words whole.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inQuote, inWord := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			inQuote, inWord = !inQuote, true
		case r == ' ' && !inQuote:
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
