package matcher

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/french"
	"github.com/kljensen/snowball/spanish"
)

// Lang is an ISO 639-1 code of an analysed language: "en", "fr" or "es"; ""
// when unknown.
type Lang string

// The analysed languages: the working languages of the network.
const (
	English Lang = "en"
	French  Lang = "fr"
	Spanish Lang = "es"
)

// ErrUnknownLang is returned by ParseLang for a code that is not an analysed
// language.
var ErrUnknownLang = errors.New("unknown language")

// Indexes of the analysed languages in the per-language tables.
const (
	langEN = iota
	langFR
	langES
	numLangs
)

var langByIndex = [numLangs]Lang{English, French, Spanish}

// langIndex gives the index of lang in the per-language tables, false when
// lang is not analysed.
func langIndex(lang Lang) (int, bool) {
	switch lang {
	case English:
		return langEN, true
	case French:
		return langFR, true
	case Spanish:
		return langES, true
	}
	return 0, false
}

// Languages returns the analysed languages, in a fixed order.
func Languages() []Lang { return []Lang{English, French, Spanish} }

// Valid reports whether l is one of the analysed languages.
func (l Lang) Valid() bool {
	_, ok := langIndex(l)
	return ok
}

// ParseLang converts a language code ("en", "FR", " es ") into a Lang. It
// returns ErrUnknownLang, wrapped with the code, for anything else, including
// the empty string: callers that accept "unknown" check for "" first.
func ParseLang(code string) (Lang, error) {
	l := Lang(strings.ToLower(strings.TrimSpace(code)))
	if !l.Valid() {
		return "", fmt.Errorf("parse language %q: %w", code, ErrUnknownLang)
	}
	return l, nil
}

// stemmers are the Snowball stemmers of the per-language packages, called
// directly: snowball.Stem validates the language name on every call.
var stemmers = [numLangs]func(string, bool) string{
	langEN: english.Stem,
	langFR: french.Stem,
	langES: spanish.Stem,
}

// DetectLanguage guesses the language of text among en, fr and es. It
// returns "" when the text gives no evidence (empty, numbers, names alone).
// A text in another language gets one of the three or "".
func DetectLanguage(text string) Lang {
	l, _ := DetectLanguageConfidence(text)
	return l
}

// DetectLanguageConfidence is DetectLanguage with a confidence in [0, 1]:
// the share of the evidence that went to the chosen language, after a
// softmax of the three scores. It is 0 when the language is "".
func DetectLanguageConfidence(text string) (Lang, float64) {
	ws := getWords()
	defer putWords(ws)
	text = normalizeText(text)
	*ws = tokenize(text, *ws)
	return detectWords(*ws)
}

// Detection tuning. The evidence is a sum of log-odds-like scores per
// language: function words weigh most, because every sentence has some and
// they rarely cross languages; then diacritics, suffixes and letter pairs,
// which still work on a title or a list of nouns.
const (
	// detectMaxWords bounds the work on long texts: a language is settled
	// long before that.
	detectMaxWords = 256
	// detectSettledWords and detectSettledMargin stop early once the
	// leader is far ahead, which keeps Analyze cheap on long texts.
	detectSettledWords  = 24
	detectSettledMargin = 12
	// detectMinScore and detectMinMargin are the evidence below which the
	// text is said to be in no language: a lone "data" or "Lyon".
	detectMinScore  = 0.6
	detectMinMargin = 0.3
	// wordCharCap caps what the letters of one content word can say, so
	// that one borrowed word ("hackathon") cannot outvote the sentence.
	wordCharCap = 1.2
	// capitalDiscount applies to the letters of capitalised words inside a
	// sentence, mostly names: "Medellín" in a French text says little about
	// the text.
	capitalDiscount = 0.3
	// elisionWeight is the French evidence of an elided article or
	// pronoun (l', d', qu'), among the surest signs of French.
	elisionWeight = 1.5
	// possessiveWeight is the English evidence of a possessive 's.
	possessiveWeight = 1.0
)

type langScores [numLangs]float64

// functionWords weighs the function words that best tell the languages
// apart, by their frequency and by how much they are shared. Stop words not
// listed here get a small weight shared among the languages that use them.
var functionWords = buildFunctionWords()

func buildFunctionWords() map[string]langScores {
	m := map[string]langScores{}
	// Every stop word, with its accents: "à" is French, "a" is shared.
	lists := [numLangs]string{englishStopWords, frenchStopWords, spanishStopWords}
	in := map[string][numLangs]bool{}
	for i, list := range lists {
		for _, w := range strings.Fields(list) {
			b := in[w]
			b[i] = true
			in[w] = b
		}
	}
	for w, b := range in {
		n := 0
		for _, ok := range b {
			if ok {
				n++
			}
		}
		var s langScores
		for i, ok := range b {
			if ok {
				s[i] = 0.6 / float64(n)
			}
		}
		m[w] = s
	}
	set := func(weights langScores, words string) {
		for _, w := range strings.Fields(words) {
			m[w] = weights
		}
	}
	set(langScores{2, 0, 0}, "the")
	set(langScores{1.5, 0, 0}, "and of is are was were with that this these those which from be been has have their our they would into about between through than what who how")
	set(langScores{1.2, 0, 0}, "to in for it its will had not but more can we")
	set(langScores{1, 0, 0}, "by at an all")
	set(langScores{0.8, 0.5, 0.8}, "a")
	set(langScores{0.6, 0.4, 0}, "on as or")
	set(langScores{0, 2, 0}, "les une dans pour avec aux à qui cette ces sont nous ils où été être leurs et")
	set(langScores{0, 1.8, 0}, "des du")
	set(langScores{0, 1.5, 0}, "est ce par sur au il elle ou pas ont leur ses notre")
	set(langScores{0, 1.2, 0}, "plus")
	set(langScores{0, 1.3, 0.3}, "le")
	set(langScores{0, 1, 1}, "la de")
	set(langScores{0, 0.8, 0.8}, "un")
	set(langScores{0, 0.6, 0.8}, "en")
	set(langScores{0, 0.7, 0.9}, "que")
	set(langScores{0, 1, 1}, "son")
	set(langScores{0, 0.6, 1.2}, "se")
	set(langScores{0, 0.7, 0.8}, "entre")
	set(langScores{0, 0, 2}, "el los las del para una unos unas su sus más este esta estos estas fue muy también pero hay desde hasta cuando donde nuestra nuestro nuestras nuestros están")
	set(langScores{0, 0.2, 1.8}, "y")
	set(langScores{0, 0, 1.8}, "con por")
	set(langScores{0, 0.1, 1.2}, "es")
	set(langScores{0, 0, 1.5}, "al lo como sobre sin han")
	set(langScores{0, 0, 1.2}, "ha")
	return m
}

// suffixes weighs word endings typical of each language. Endings of one to
// five bytes are looked up; accented endings also count their accent.
var suffixes = map[string]langScores{
	// English
	"ing": {1, 0, 0}, "ings": {1, 0, 0}, "ed": {0.5, 0, 0}, "ly": {0.8, 0, 0},
	"ness": {1, 0, 0}, "ship": {1, 0, 0}, "ity": {0.8, 0, 0}, "ities": {1, 0, 0},
	"ies": {0.6, 0, 0}, "ful": {0.8, 0, 0}, "less": {0.5, 0, 0}, "ous": {0.7, 0, 0},
	"ght": {1, 0, 0}, "th": {0.5, 0, 0}, "ical": {0.5, 0, 0}, "ics": {0.6, 0, 0},
	"ism": {0.8, 0, 0}, "ist": {0.5, 0, 0}, "ists": {0.6, 0, 0}, "als": {0.5, 0, 0},
	"ate": {0.5, 0, 0}, "ize": {0.5, 0, 0}, "ise": {0.3, 0, 0}, "ay": {0.4, 0, 0},
	"ey": {0.3, 0, 0}, "ow": {0.6, 0, 0}, "w": {0.4, 0, 0}, "k": {0.3, 0, 0},
	"y": {0.4, 0, 0.1}, "ers": {0.4, 0.2, 0}, "er": {0.25, 0.25, 0},
	"ive": {0.4, 0.4, 0}, "ives": {0.3, 0.3, 0},
	// Shared between English and French
	"ment": {0.25, 0.35, 0}, "ments": {0.2, 0.5, 0}, "tion": {0.35, 0.35, 0},
	"tions": {0.35, 0.35, 0}, "sion": {0.3, 0.3, 0}, "ance": {0.25, 0.25, 0},
	"ence": {0.25, 0.25, 0}, "ances": {0.25, 0.25, 0}, "ences": {0.25, 0.25, 0},
	"age": {0.2, 0.3, 0}, "al": {0.2, 0.1, 0.2}, "ons": {0.2, 0.3, 0},
	// French
	"eux": {0, 1, 0}, "euse": {0, 1, 0}, "euses": {0, 1, 0}, "eau": {0, 1, 0},
	"eaux": {0, 1.2, 0}, "aux": {0, 0.8, 0}, "ée": {0, 1, 0}, "ées": {0, 1, 0},
	"és": {0, 0.5, 0}, "ité": {0, 0.6, 0}, "ités": {0, 0.8, 0}, "ique": {0.1, 0.7, 0},
	"iques": {0, 1, 0}, "isme": {0, 0.8, 0}, "ismes": {0, 1, 0}, "iste": {0, 0.4, 0.4},
	"istes": {0, 0.6, 0}, "oire": {0, 0.8, 0}, "oires": {0, 1, 0}, "eur": {0, 0.6, 0},
	"eurs": {0, 0.8, 0}, "ère": {0, 0.5, 0}, "ères": {0, 0.7, 0}, "elle": {0, 0.5, 0},
	"elles": {0, 0.7, 0}, "ette": {0, 0.7, 0}, "ais": {0, 0.6, 0}, "ait": {0, 0.7, 0},
	"aient": {0, 1, 0}, "oir": {0, 0.5, 0}, "re": {0.1, 0.3, 0}, "gne": {0, 0.6, 0},
	"if": {0.1, 0.3, 0}, "ifs": {0, 0.6, 0}, "iel": {0, 0.7, 0}, "ielle": {0, 1, 0},
	"x": {0, 0.3, 0}, "ir": {0, 0.2, 0.2},
	// Spanish
	"ción": {0, 0, 1}, "ciones": {0, 0, 1.2}, "dad": {0, 0, 1}, "dades": {0, 0, 1.2},
	"mente": {0, 0, 1}, "ado": {0, 0, 0.8}, "ada": {0, 0, 0.7}, "ados": {0, 0, 1},
	"adas": {0, 0, 1}, "ido": {0, 0, 0.7}, "ida": {0, 0, 0.5}, "idos": {0, 0, 0.8},
	"idas": {0, 0, 0.8}, "ero": {0, 0, 0.6}, "era": {0, 0, 0.3}, "eros": {0, 0, 0.8},
	"eras": {0, 0, 0.5}, "os": {0, 0, 0.5}, "as": {0, 0, 0.3}, "ar": {0, 0, 0.3},
	"ente": {0, 0.2, 0.4}, "entes": {0, 0.3, 0.5}, "encia": {0, 0, 1}, "ancia": {0, 0, 1},
	"ismo": {0, 0, 1}, "ico": {0, 0, 0.8}, "ica": {0, 0, 0.6}, "icos": {0, 0, 1},
	"icas": {0, 0, 1}, "eza": {0, 0, 1}, "aje": {0, 0, 0.8}, "ivo": {0, 0, 0.8},
	"iva": {0, 0, 0.6}, "ivos": {0, 0, 1}, "ivas": {0, 0, 1}, "ales": {0, 0.3, 0.4},
	"ores": {0, 0, 0.6}, "io": {0.1, 0, 0.4}, "ia": {0.1, 0, 0.3}, "ano": {0, 0, 0.5},
	"ana": {0, 0, 0.4}, "anos": {0, 0, 0.7}, "nte": {0, 0.1, 0.2}, "miento": {0, 0, 1.2},
	"mientos": {0, 0, 1.2}, "ario": {0, 0, 0.8}, "aria": {0, 0, 0.6}, "arios": {0, 0, 1},
	"llo": {0, 0, 0.6}, "lla": {0, 0, 0.5}, "o": {0, 0, 0.35}, "a": {0, 0, 0.2},
	"z": {0, 0, 0.3}, "ez": {0, 0.2, 0.3},
}

// maxSuffixLen is the longest ending in suffixes, in bytes.
const maxSuffixLen = 7

// detectWords scores the words of a text for each language.
func detectWords(ws []word) (Lang, float64) {
	var total langScores
	seen := 0
	for i := range ws {
		if seen >= detectMaxWords || seen >= detectSettledWords && seen%8 == 0 && settled(total) {
			break
		}
		w := &ws[i]
		if w.flags&(wTooLong|wDigit) != 0 {
			continue // numbers and noise are in no language
		}
		seen++
		addScores(&total, wordEvidence(w), 1)
	}
	best, second := 0, 1
	if total[second] > total[best] {
		best, second = second, best
	}
	for i := 2; i < numLangs; i++ {
		switch {
		case total[i] > total[best]:
			best, second = i, best
		case total[i] > total[second]:
			second = i
		}
	}
	if total[best] < detectMinScore || total[best]-total[second] < detectMinMargin {
		return "", 0
	}
	var sum float64
	for i := range total {
		sum += math.Exp(total[i] - total[best])
	}
	return langByIndex[best], 1 / sum
}

// wordEvidence is what one word says about the language of its text.
func wordEvidence(w *word) langScores {
	var s langScores
	if w.flags&wElision != 0 {
		s[langFR] = elisionWeight
		return s
	}
	if w.flags&wPossessive != 0 {
		s[langEN] = possessiveWeight
	}
	if f, ok := functionWords[w.lower]; ok {
		addScores(&s, f, 1)
		return s
	}
	f := 1.0
	if w.flags&(wCapital|wSentence) == wCapital {
		f = capitalDiscount
	}
	addScores(&s, letterEvidence(w.lower), f)
	return s
}

func addScores(total *langScores, s langScores, f float64) {
	for i := range total {
		total[i] += s[i] * f
	}
}

// settled reports whether the leader is out of reach.
func settled(t langScores) bool {
	hi, lo := math.Inf(-1), math.Inf(-1)
	for _, v := range t {
		if v > hi {
			hi, lo = v, hi
		} else if v > lo {
			lo = v
		}
	}
	return hi-lo >= detectSettledMargin
}

// letterEvidence scores one content word on its diacritics, letter pairs and
// ending, capped at wordCharCap per language.
func letterEvidence(w string) langScores {
	var s langScores
	var prev rune
	for _, r := range w {
		switch r {
		case 'ñ':
			s[langES] += 1.5
		case 'á', 'í', 'ó', 'ú':
			s[langES] += 1
		case 'ü':
			s[langES] += 0.3
		case 'é':
			s[langFR] += 0.6
			s[langES] += 0.25
		case 'è', 'ê', 'à', 'ù', 'â', 'î', 'ô', 'û', 'ë', 'ï':
			s[langFR] += 1
		case 'ç', 'œ':
			s[langFR] += 1.5
		case 'w':
			s[langEN] += 0.3
		case 'k':
			s[langEN] += 0.3
		}
		switch {
		case prev == 't' && r == 'h':
			s[langEN] += 0.3
		case prev == 'w' && r == 'h':
			s[langEN] += 0.5
		case prev == 's' && r == 'h':
			s[langEN] += 0.4
		case prev == 'c' && r == 'k':
			s[langEN] += 0.5
		case prev == 'e' && r == 'e', prev == 'o' && r == 'o':
			s[langEN] += 0.4
		case prev == 'o' && r == 'u':
			s[langFR] += 0.25
			s[langEN] += 0.1
		case prev == 'o' && r == 'i':
			s[langFR] += 0.3
		case prev == 'a' && r == 'i':
			s[langFR] += 0.2
		case prev == 'g' && r == 'n':
			s[langFR] += 0.2
		case prev == 'r' && r == 'r':
			s[langES] += 0.4
		case prev == 'l' && r == 'l':
			s[langES] += 0.15
		case prev == 'u' && r == 'e':
			s[langES] += 0.15
		case prev == 'i' && r == 'e':
			s[langES] += 0.1
		}
		prev = r
	}
	// The longest listed ending wins: "ciones" rather than "es" or "s".
	for n := min(len(w)-1, maxSuffixLen); n >= 1; n-- {
		if !utf8.RuneStart(w[len(w)-n]) {
			continue
		}
		if e, ok := suffixes[w[len(w)-n:]]; ok {
			addScores(&s, e, 1)
			break
		}
	}
	for i := range s {
		s[i] = min(s[i], wordCharCap)
	}
	return s
}
