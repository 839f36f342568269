package main

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The FreeDict dictionaries of the Debian packages dict-freedict-*, in the
// dictd format: NAME.index (headword, offset, length in dictd's base64) and
// NAME.dict.dz (the entries, gzip'd). They are GPL-2+ (fra-spa: CC BY-SA
// 3.0), which is why their translations never go into the binary:
// writeFreeDict writes them to a file of their own, to measure what they
// would add (docs/data-sources.md).
var freeDicts = []struct{ name, from, to string }{
	{"freedict-eng-fra", "en", "fr"},
	{"freedict-fra-eng", "fr", "en"},
	{"freedict-eng-spa", "en", "es"},
	{"freedict-spa-eng", "es", "en"},
	{"freedict-fra-spa", "fr", "es"},
}

// writeFreeDict writes the translations of the dictionaries found in dir
// to path, as translations.tsv.gz is written, the evidence of each being
// its probability: the senses of a headword weigh 1/rank, normalised, and
// the words of a sense share its weight.
func writeFreeDict(dir, path string, stdout io.Writer) error {
	if filepath.Base(filepath.Dir(path)) == "bridgedata" {
		return errors.New("-freedict: the FreeDict dictionaries are GPL and never go into matcher/bridgedata")
	}
	var rows [][]string
	for _, d := range freeDicts {
		text, err := readDictDZ(filepath.Join(dir, d.name+".dict.dz"))
		if errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stdout, "%s: not found, skipped\n", d.name)
			continue
		}
		if err != nil {
			return err
		}
		entries, err := readDictIndex(filepath.Join(dir, d.name+".index"), text)
		if err != nil {
			return err
		}
		n := 0
		for head, body := range entries {
			for to, p := range senses(body) {
				rows = append(rows, []string{d.from, head, d.to, to, fmt.Sprintf("%.4f", p)})
				n++
			}
		}
		fmt.Fprintf(stdout, "%s: %d headwords, %d translations\n", d.name, len(entries), n)
	}
	slices.SortFunc(rows, func(a, b []string) int { return slices.Compare(a, b) })
	return writeTSV(path, rows)
}

func readDictDZ(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return string(b), nil
}

// readDictIndex returns the entries of the dictionary text by headword
// (lower case), the entry's first line (headword, pronunciation, part of
// speech) left out. Entries of the same headword are joined.
func readDictIndex(path, text string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Split(sc.Text(), "\t")
		if len(fs) != 3 || strings.HasPrefix(fs[0], "00database") {
			continue
		}
		off, err1 := dictB64(fs[1])
		n, err2 := dictB64(fs[2])
		if err1 != nil || err2 != nil || off+n > len(text) {
			return nil, fmt.Errorf("%s: bad line %q", path, sc.Text())
		}
		body := text[off : off+n]
		if i := strings.IndexByte(body, '\n'); i >= 0 {
			body = body[i+1:]
		}
		head := strings.ToLower(strings.TrimSpace(fs[0]))
		if strings.ContainsAny(head, " \t") || !isWord(head) {
			continue // expressions and codes: the matcher translates words
		}
		out[head] += body + "\n"
	}
	return out, sc.Err()
}

// dictB64 decodes dictd's base64 numbers.
func dictB64(s string) (int, error) {
	const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	n := 0
	for _, c := range s {
		i := strings.IndexRune(digits, c)
		if i < 0 {
			return 0, fmt.Errorf("bad dictd number %q", s)
		}
		n = n*64 + i
	}
	return n, nil
}

// senses returns the one-word translations of an entry's body with their
// probabilities: sense k (the lines "1. ...", "2. ...", or the one line of
// an entry of one sense) weighs 1/k, normalised over the senses; the words
// of a sense share its weight.
func senses(body string) map[string]float64 {
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "Note:") || strings.HasPrefix(l, "Synonym") || strings.HasPrefix(l, "see:") {
			continue
		}
		if i := strings.Index(l, ". "); i > 0 && i <= 3 && strings.Trim(l[:i], "0123456789") == "" {
			l = l[i+2:]
		}
		lines = append(lines, l)
	}
	total := 0.0
	for k := range lines {
		total += 1 / float64(k+1)
	}
	out := map[string]float64{}
	for k, l := range lines {
		var words []string
		for _, w := range strings.Split(l, ",") {
			w = strings.ToLower(strings.TrimSpace(w))
			if isWord(w) {
				words = append(words, w)
			}
		}
		for _, w := range words {
			out[w] += 1 / float64(k+1) / total / float64(len(words))
		}
	}
	return out
}
