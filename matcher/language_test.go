package matcher_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"matchmaker/matcher"
)

// detectCase is one line of testdata/langdetect.tsv.
type detectCase struct {
	line int
	want matcher.Lang
	text string
}

func readDetectCases(t testing.TB, name string) []detectCase {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []detectCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lang, text, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("%s:%d: no tab", name, n)
		}
		cases = append(cases, detectCase{n, matcher.Lang(lang), strings.ReplaceAll(text, `\n`, "\n")})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestDetectLanguageCorpus checks detection on short municipal texts: the
// tuning set and a held-out set written after the tuning.
func TestDetectLanguageCorpus(t *testing.T) {
	for _, name := range []string{"testdata/langdetect.tsv", "testdata/langdetect_heldout.tsv"} {
		t.Run(filepath.Base(name), func(t *testing.T) { testDetectFile(t, name) })
	}
}

func testDetectFile(t *testing.T, name string) {
	cases := readDetectCases(t, name)
	total := map[matcher.Lang]int{}
	right := map[matcher.Lang]int{}
	for _, c := range cases {
		got, conf := matcher.DetectLanguageConfidence(c.text)
		total[c.want]++
		if got == c.want {
			right[c.want]++
			continue
		}
		t.Errorf("%s:%d: got %q (%.2f), want %q: %s", name, c.line, got, conf, c.want, c.text)
	}
	for _, l := range matcher.Languages() {
		t.Logf("%s: %d/%d right", l, right[l], total[l])
	}
}
