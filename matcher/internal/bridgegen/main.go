// Command bridgegen regenerates the data of the matcher's bridge between
// languages (matcher/bridgedata) from the downloaded sources:
//
//	go run ./matcher/internal/bridgegen -src DIR [-out matcher/bridgedata]
//
// DIR holds eurovoc/tc_en.json, tc_fr.json and tc_es.json (each EuroVoc
// concept's preferred label in that language, by concept ID) and
// eurovoc/mt_labels.json (each concept's micro-thesaurus). docs/data-sources.md
// says where each comes from and under which licence.
//
// It writes two gzip'd TSV files:
//
//   - thesaurus.tsv.gz: the EuroVoc concepts of the micro-thesauri that
//     concern a local government (municipalDomains), with a label in each of
//     English, French and Spanish: id, micro-thesaurus, en, fr, es.
//   - translations.tsv.gz: word translations drawn from the aligned labels of
//     every EuroVoc concept outside geography and organisations: a concept
//     whose label is one word in two languages gives that pair, and a label
//     of two content words whose other pair is known gives the second pair.
//     A label the analyser takes more than articles, prepositions and
//     conjunctions from gives none (onlyGrammarDropped).
//     Columns: from language, word, to language, word, evidence (how many
//     labels support the pair).
//
// The output is sorted, so that a run on the same sources gives the same
// bytes.
//
// With -freedict FILE it writes instead, to FILE, the word translations of
// the FreeDict dictionaries in DIR/freedict (Debian's dict-freedict-*
// packages), to measure what they would add: they are GPL, and never go
// into matcher/bridgedata (docs/data-sources.md).
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"matchmaker/matcher"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bridgegen:", err)
		os.Exit(1)
	}
}

// municipalDomains are the EuroVoc micro-thesauri whose concepts a city's
// challenges and practices speak of: public administration, local finance,
// social affairs, health, education, housing and town planning, transport,
// environment, energy, employment, migration and culture. Law, trade,
// agriculture, industry, geography and international organisations are
// left out: their concepts would match words of municipal texts in other
// senses ("organisation", "protocol", "Galicia").
var municipalDomains = map[string]bool{
	"0406": true, // political framework
	"0416": true, // electoral procedure and voting
	"0431": true, // politics and public safety
	"0436": true, // executive power and public service
	"0811": true, // cooperation policy
	"1236": true, // rights and freedoms
	"1606": true, // economic policy
	"1611": true, // economic conditions
	"1616": true, // regions and regional policy
	"2026": true, // consumption
	"2436": true, // public finance and budget policy
	"2441": true, // budget
	"2446": true, // taxation
	"2806": true, // family
	"2811": true, // migration
	"2816": true, // demography and population
	"2821": true, // social framework
	"2826": true, // social affairs
	"2831": true, // culture and religion
	"2836": true, // social protection
	"2841": true, // health
	"2846": true, // construction and town planning
	"3206": true, // education
	"3211": true, // teaching
	"3216": true, // organisation of teaching
	"3226": true, // communications
	"3231": true, // information and information processing
	"3236": true, // information technology and data processing
	"4021": true, // management
	"4406": true, // employment
	"4411": true, // labour market
	"4416": true, // organisation of work and working conditions
	"4806": true, // transport policy
	"4811": true, // organisation of transport
	"4816": true, // land transport
	"5206": true, // environmental policy
	"5211": true, // natural environment
	"5216": true, // deterioration of the environment
	"6606": true, // energy policy
	"6626": true, // soft energy
	"6831": true, // building and public works
}

// noTranslations are the EuroVoc domains whose labels are names (places,
// organisations, EU bodies): aligned, they translate names, not words.
var noTranslations = []string{"10", "72", "76"}

var langs = []matcher.Lang{matcher.English, matcher.French, matcher.Spanish}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bridgegen", flag.ContinueOnError)
	src := fs.String("src", "", "the folder of the downloaded sources (required)")
	out := fs.String("out", filepath.Join("matcher", "bridgedata"), "the folder to write to")
	freedict := fs.String("freedict", "", "instead, write the word translations of the FreeDict dictionaries in SRC/freedict to this file, to measure them (GPL: never into matcher/bridgedata)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *src == "" {
		return errors.New("-src is required: the folder of the downloaded sources (see docs/data-sources.md)")
	}
	if *freedict != "" {
		return writeFreeDict(filepath.Join(*src, "freedict"), *freedict, stdout)
	}
	ev, err := readEuroVoc(filepath.Join(*src, "eurovoc"))
	if err != nil {
		return err
	}
	an := matcher.NewAnalyzer(nil)
	var thes [][]string
	for _, c := range ev {
		if municipalDomains[c.mt] && usable(c) {
			thes = append(thes, []string{c.id, c.mt, c.labels[0], c.labels[1], c.labels[2]})
		}
	}
	tr := translations(an, ev)
	if err := writeTSV(filepath.Join(*out, "thesaurus.tsv.gz"), thes); err != nil {
		return err
	}
	if err := writeTSV(filepath.Join(*out, "translations.tsv.gz"), tr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d EuroVoc concepts read, %d in the thesaurus, %d word translations\n", len(ev), len(thes), len(tr))
	return nil
}

// concept is one EuroVoc concept: its ID, micro-thesaurus and labels in
// English, French and Spanish.
type concept struct {
	id, mt string
	labels [3]string
}

// readEuroVoc reads the concepts that have a micro-thesaurus and a label in
// each of the three languages, sorted by ID.
func readEuroVoc(dir string) ([]concept, error) {
	var labels [3]map[string]string
	for i, l := range langs {
		if err := readJSON(filepath.Join(dir, "tc_"+string(l)+".json"), &labels[i]); err != nil {
			return nil, err
		}
	}
	var mt map[string]string
	if err := readJSON(filepath.Join(dir, "mt_labels.json"), &mt); err != nil {
		return nil, err
	}
	var out []concept
	for id, en := range labels[0] {
		c := concept{id: id, mt: strings.TrimSpace(mt[id]), labels: [3]string{en, labels[1][id], labels[2][id]}}
		ok := c.mt != ""
		for i := range c.labels {
			c.labels[i] = clean(c.labels[i])
			ok = ok && c.labels[i] != ""
		}
		if ok {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b concept) int { return strings.Compare(a.id, b.id) })
	return out, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// clean drops a label's qualifier in parentheses ("Århus (county)") and
// extra spaces; tabs and line breaks, which the TSV cannot hold, become
// spaces.
func clean(s string) string {
	if i := strings.IndexByte(s, '('); i > 0 {
		s = s[:i]
	}
	return strings.Join(strings.Fields(s), " ")
}

// usable reports whether a concept's labels can stand for it in a text:
// not a name (capitalised in every language, as "Erasmus" or "EU
// financing" are), not an abbreviation.
func usable(c concept) bool {
	named := 0
	for _, l := range c.labels {
		if strings.ContainsFunc(l, func(r rune) bool { return unicode.IsUpper(r) }) {
			named++
		}
	}
	return named < len(c.labels)
}

// translations draws word pairs from the aligned labels of ev, both ways,
// sorted.
func translations(an *matcher.Analyzer, ev []concept) [][]string {
	type pair struct {
		from, to int
		a, b     string
	}
	count := map[pair]int{}
	add := func(i, j int, a, b string, n int) {
		if a == b && i != j {
			// The same spelling needs no translation: its stems meet
			// or they do not, and a dictionary would not change it.
			return
		}
		count[pair{i, j, a, b}] += n
		count[pair{j, i, b, a}] += n
	}
	var words [][3][]string // content words of each usable label, by language
	for _, c := range ev {
		if slices.ContainsFunc(noTranslations, func(p string) bool { return strings.HasPrefix(c.mt, p) }) || !usable(c) {
			continue
		}
		var w [3][]string
		for i, l := range c.labels {
			for _, t := range an.Analyze(l, langs[i]).Tokens {
				if isWord(t.Surface) {
					w[i] = append(w[i], strings.ToLower(t.Surface))
				}
			}
			if !onlyGrammarDropped(an, l, i) {
				w[i] = nil
			}
		}
		words = append(words, w)
		for i := range langs {
			for j := i + 1; j < len(langs); j++ {
				if len(w[i]) == 1 && len(w[j]) == 1 {
					add(i, j, w[i][0], w[j][0], 2)
				}
			}
		}
	}
	// Two content words on each side, one pair known: the other pair is
	// the rest ("waste management" / "gestion des déchets" with
	// waste/déchets known gives management/gestion).
	known := map[pair]bool{}
	for p := range count {
		known[p] = true
	}
	for _, w := range words {
		for i := range langs {
			for j := i + 1; j < len(langs); j++ {
				a, b := w[i], w[j]
				if len(a) != 2 || len(b) != 2 {
					continue
				}
				for x := range 2 {
					for y := range 2 {
						if known[pair{i, j, a[x], b[y]}] && !known[pair{i, j, a[1-x], b[1-y]}] {
							add(i, j, a[1-x], b[1-y], 1)
						}
					}
				}
			}
		}
	}
	var rows [][]string
	for p, n := range count {
		rows = append(rows, []string{string(langs[p.from]), p.a, string(langs[p.to]), p.b, fmt.Sprint(n)})
	}
	slices.SortFunc(rows, func(a, b []string) int { return slices.Compare(a, b) })
	return rows
}

// onlyGrammarDropped reports whether every stop word of label (in
// langs[lang]) is an article, a preposition or a conjunction. The stop-word
// lists hold more than those: auxiliary verbs, negations, pronouns,
// adverbs. When the analyser drops such a word, what is left is not the
// label's meaning, and aligning it made French "heure" (hour) mean
// summertime ("heure d'été", "été" being also a form of "être"), and
// "inscrit" mean "agrupado" ("non-inscrit" / "no agrupado", a member of no
// political group). Such a label gives no translation.
func onlyGrammarDropped(an *matcher.Analyzer, label string, lang int) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(label), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if _, stop := an.Term(w, langs[lang]); stop && !grammarWords[lang][w] {
			return false
		}
	}
	return true
}

// grammarWords are the articles, prepositions and conjunctions of each of
// langs, lower case: the words a label may lose to the analyser and keep
// its meaning.
var grammarWords = func() (out [3]map[string]bool) {
	for i, list := range [3]string{
		"a an the of to in on at by for with from into onto and or nor as about against between through within without under over upon per via than",
		"le la les l un une des du de d au aux à a et ou ni en par pour sur sous dans avec sans entre vers chez contre selon",
		"el la los las lo un una unos unas de del al a y e o u ni en por para con sin sobre entre hacia según bajo contra",
	} {
		out[i] = map[string]bool{}
		for _, w := range strings.Fields(list) {
			out[i][w] = true
		}
	}
	return out
}()

// isWord reports whether s is a word worth translating: letters only, more
// than two of them.
func isWord(s string) bool {
	n := 0
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
		n++
	}
	return n > 2
}

// writeTSV writes rows as gzip'd TSV, with a fixed header time so that the
// bytes depend on the rows only.
func writeTSV(path string, rows [][]string) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(zw)
	for _, r := range rows {
		for i, c := range r {
			if strings.ContainsAny(c, "\t\n") {
				return fmt.Errorf("%s: a field holds a tab or a line break: %q", path, c)
			}
			if i > 0 {
				w.WriteByte('\t')
			}
			w.WriteString(c)
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return zw.Close()
}
