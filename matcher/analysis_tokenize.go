package matcher

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxWordRunes is the length above which a "word" is taken for noise (a
// hash, a run of letters, a pasted URL fragment) rather than language: it
// keeps its position but gives no term. The longest words of the three
// languages ("anticonstitucionalmente", 23 letters) fit well below it, and
// it bounds what the stemmer and the cache ever see.
const maxWordRunes = 40

// Word-splitting rules, decided here once:
//
//   - A word is a run of letters and digits, with combining marks and
//     invisible format characters (soft hyphen, zero-width joiners) inside.
//     Format characters are dropped from the word.
//   - An apostrophe (' ’ ʼ ‘ ´) between two letters keeps the word whole,
//     then: a French elided article or pronoun in front (l', d', qu',
//     jusqu' …) becomes a word of its own, so "l'eau" gives "l" and "eau";
//     an English possessive 's is cut off, so "city's" gives "city"; other
//     apostrophes stay, as "'", in the word ("aujourd'hui", "don't",
//     "o'brien").
//   - A hyphen between two letters or digits splits the word ("bien-être"
//     gives "bien" and "être", "2020-2030" gives "2020" and "2030"), except
//     in two cases where the parts make one name: a single letter in front
//     of a two-part word ("e-government" gives "egovernment", "e-mail"
//     "email", "x-ray" "xray"), and letters (five at most) followed by a
//     number (four digits at most), "covid-19" gives "covid19", "COP-21"
//     "cop21", "SDG-11" "sdg11", which is how these are also written.
//   - A point or comma between two digits keeps a number whole ("3.5",
//     "1,000").
//   - Other punctuation, and the ASCII symbols, separate words and also
//     mark a phrase break, across which no multi-word expression matches;
//     so does an empty line. Quotes, other symbols (€, →) and spaces,
//     single line breaks included (texts pasted from PDFs), separate words
//     without a break.
//   - Invalid UTF-8 is replaced by U+FFFD first, which separates words.
//     Control characters separate words.
//
// Every word, stop word or not, takes one position; an elided article takes
// its own, as the article it stands for would.

// wordFlags describe a word for the later stages.
type wordFlags uint8

const (
	wBreak      wordFlags = 1 << iota // a phrase break comes before the word
	wCapital                          // its first letter is upper case: often a name
	wDigit                            // it holds a digit: a number or a code, never stemmed
	wElision                          // a French elided article or pronoun: l', d', qu' …
	wPossessive                       // an English possessive 's was cut off
	wTooLong                          // longer than maxWordRunes: a position, never a term
	wSentence                         // it opens a sentence, where a capital says nothing
	wPrefix                           // a bound prefix in front of a hyphen ("pré" of "pré-collecte"): no term of its own
)

// word is one word of a text, before and after analysis.
type word struct {
	start, end int    // byte span of the surface in the normalised text
	pos        int    // position among the text's words
	lower      string // lower-cased, apostrophes as "'", format characters dropped
	term       string // set by the analysis: the index term
	stop       bool   // set by the analysis: a stop word, elision or noise
	flags      wordFlags
}

// elisions are the French words that lose their vowel before another vowel.
// "presqu'" is left out on purpose: "presqu'île" is one word.
var elisions = map[string]bool{
	"l": true, "d": true, "j": true, "m": true, "n": true, "s": true, "t": true,
	"c": true, "qu": true, "jusqu": true, "lorsqu": true, "puisqu": true,
	"quoiqu": true,
}

// normalizeText makes text valid UTF-8 in NFC, so that "é" typed as "e" and
// a combining accent is the same word as the precomposed "é".
func normalizeText(text string) string {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	// Text made of runes below U+0300, the first combining mark, is in
	// NFC already: that is nearly every English, French and Spanish text,
	// and checking it costs a byte comparison a byte. (0xCC is the first
	// byte of U+0300 in UTF-8.)
	for i := 0; i < len(text); i++ {
		if text[i] >= 0xCC {
			if !norm.NFC.IsNormalString(text) {
				return norm.NFC.String(text)
			}
			break
		}
	}
	return text
}

func isWordStart(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return (unicode.IsLetter(r) || unicode.IsDigit(r)) && !isApostrophe(r) // ʼ is a letter to Unicode
}

func isLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r) && !isApostrophe(r)
}

func isDigit(r rune) bool {
	if r < utf8.RuneSelf {
		return '0' <= r && r <= '9'
	}
	return unicode.IsDigit(r)
}

// isFormat reports invisible characters that may sit inside a word and
// are dropped from it: the soft hyphen of a hyphenated PDF, zero-width
// joiners, the BOM. The zero-width space is a space.
func isFormat(r rune) bool {
	return r >= utf8.RuneSelf && r != '\u200b' && unicode.Is(unicode.Cf, r)
}

func isWordInside(r rune) bool {
	if r < utf8.RuneSelf {
		return isWordStart(r)
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || isFormat(r)
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', 'ʼ', '‘', '´':
		return true
	}
	return false
}

func isHyphen(r rune) bool {
	return r == '-' || r == '‐' || r == '‑'
}

// isBreak reports the punctuation that ends a phrase. Quotes do not: a
// quoted expression still matches.
func isBreak(r rune) bool {
	if r < utf8.RuneSelf {
		switch r {
		case '.', ',', ';', ':', '!', '?', '(', ')', '[', ']', '{', '}', '/', '\\', '|', '-', '*', '#', '@', '&', '_', '+', '=', '<', '>', '~':
			return true
		}
		return false
	}
	switch {
	case r == '\u2028' || r == '\u2029':
		return true
	case unicode.In(r, unicode.Pi, unicode.Pf):
		return false // « » “ ” ‘ ’
	case unicode.IsPunct(r):
		return true
	}
	return false
}

// tokenize appends the words of the normalised text s to ws.
func tokenize(s string, ws []word) []word {
	pos := 0
	brk := false
	sentence := true
	newlines := 0
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if isWordStart(r) {
			c := scanChunk(s, i) // c.end > i: a word start is part of its chunk
			first := len(ws)
			if c.joined {
				ws = splitChunk(s, i, c.end, &pos, brk, ws)
			} else {
				ws = c.appendWord(ws, s, i, pos, brk)
				pos++
			}
			if sentence && first < len(ws) {
				ws[first].flags |= wSentence
			}
			brk, sentence, newlines = false, false, 0
			i = c.end
			continue
		}
		switch {
		case r == '\n':
			sentence = true
			newlines++
			if newlines >= 2 {
				brk = true // an empty line ends a paragraph
			}
		case isBreak(r):
			brk = true
			switch r {
			case '.', '!', '?', '…', '¿', '¡':
				sentence = true
			}
		}
		i += size
	}
	return ws
}

// chunk is what one pass over a chunk learns: where it ends, and enough to
// make it a word at once in the common case of a plain word.
type chunk struct {
	end     int
	runes   int
	joined  bool // holds a hyphen or an apostrophe: splitChunk takes over
	digit   bool
	capital bool
	changed bool // lower-casing changes it: an upper-case letter, a format character
}

// ASCII character classes, looked up rather than tested: the tokeniser
// spends most of its time on ASCII letters.
const (
	aWord  uint8 = 1 << iota // letter or digit
	aUpper                   // A-Z
	aDigit                   // 0-9
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		switch {
		case 'a' <= c && c <= 'z':
			t[c] = aWord
		case 'A' <= c && c <= 'Z':
			t[c] = aWord | aUpper
		case '0' <= c && c <= '9':
			t[c] = aWord | aDigit
		}
	}
	return t
}()

// scanChunk reads the chunk that starts at i: letters, digits and marks,
// with the apostrophes, hyphens and number separators that sit between two
// of them.
func scanChunk(s string, i int) chunk {
	var c chunk
	var prev rune
	start := i
	for i < len(s) {
		var r rune
		size := 1
		if b := s[i]; b < utf8.RuneSelf {
			if cls := asciiClass[b]; cls&aWord != 0 {
				if cls&aUpper != 0 {
					c.changed = true
					c.capital = c.capital || i == start
				}
				c.digit = c.digit || cls&aDigit != 0
				c.runes++
				prev = rune(b)
				i++
				continue
			}
			r = rune(b)
		} else {
			r, size = utf8.DecodeRuneInString(s[i:])
			if isWordInside(r) && !isApostrophe(r) { // ʼ is a letter to Unicode
				switch {
				case r <= 0xFF: // Latin-1: the accented letters of French and Spanish
					switch {
					case r == 0xAD: // soft hyphen
						c.changed = true
						i += size
						continue
					case 0xC0 <= r && r <= 0xDE && r != 0xD7: // À-Þ
						c.changed = true
						c.capital = c.capital || i == start
					}
				case isFormat(r):
					c.changed = true
					i += size
					continue
				case unicode.IsUpper(r):
					c.changed = true
					c.capital = c.capital || i == start
				case unicode.IsDigit(r):
					c.digit = true
				default:
					c.changed = c.changed || unicode.ToLower(r) != r
				}
				c.runes++
				prev = r
				i += size
				continue
			}
		}
		if i+size >= len(s) {
			break
		}
		next, _ := utf8.DecodeRuneInString(s[i+size:])
		switch {
		case isApostrophe(r) && isLetter(prev) && isLetter(next),
			isHyphen(r) && isWordStart(next):
			c.joined = true
		case (r == '.' || r == ',') && isDigit(prev) && isDigit(next):
		default:
			c.end = i
			return c
		}
		c.runes++
		prev = r
		i += size
	}
	c.end = i
	return c
}

// appendWord appends the plain chunk s[start:c.end] as a word.
func (c *chunk) appendWord(ws []word, s string, start, pos int, brk bool) []word {
	ws = append(ws, word{start: start, end: c.end, pos: pos, flags: flagBreak(brk)})
	w := &ws[len(ws)-1]
	if c.capital {
		w.flags |= wCapital
	}
	if c.digit {
		w.flags |= wDigit
	}
	switch {
	case c.runes > maxWordRunes:
		w.flags |= wTooLong
	case c.changed:
		w.lower = lowerWord(s[start:c.end], false)
		if w.lower == "" {
			w.flags |= wTooLong // only format characters: nothing to index
		}
	default:
		w.lower = s[start:c.end]
	}
	return ws
}

// part is a hyphen-separated piece of a chunk.
type part struct {
	start, end int
	letters    int // how many letters
	digits     int // how many digits
}

// splitChunk splits the chunk s[start:end] into words and appends them.
func splitChunk(s string, start, end int, pos *int, brk bool, ws []word) []word {
	var partsBuf [8]part
	parts := partsBuf[:0]
	p := part{start: start}
	for i := start; i < end; {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isHyphen(r):
			p.end = i
			parts = append(parts, p)
			p = part{start: i + size}
		case isLetter(r):
			p.letters++
		case isDigit(r):
			p.digits++
		}
		i += size
	}
	p.end = end
	parts = append(parts, p)

	for k := 0; k < len(parts); {
		g := parts[k]
		join := 1
		switch {
		case len(parts) == 2 && k == 0 && g.letters == 1 && g.digits == 0 && parts[1].letters >= 2:
			join = 2 // e-mail, e-government, x-ray
		case k+1 < len(parts) && g.digits == 0 && g.letters <= 5 && parts[k+1].letters == 0 && parts[k+1].digits <= 4:
			join = 2 // covid-19, COP-21
		}
		g.end = parts[k+join-1].end
		n := len(ws)
		ws = appendGroup(s, g.start, g.end, join > 1, pos, brk, ws)
		if k == 0 && join == 1 && len(parts) > 1 && g.digits == 0 && len(ws) > n {
			if w := &ws[len(ws)-1]; boundPrefixes[FoldAccents(w.lower)] {
				w.flags |= wPrefix
			}
		}
		brk = false
		k += join
	}
	return ws
}

// appendGroup appends the words of one hyphen-free group s[start:end]
// (joined groups still hold their hyphen, which lowering drops).
func appendGroup(s string, start, end int, joined bool, pos *int, brk bool, ws []word) []word {
	// Elided articles and pronouns in front: l'eau, qu'aujourd'hui, jusqu'à.
	for {
		a, size := findApostrophe(s[start:end])
		if a < 0 {
			break
		}
		prefix := s[start : start+a]
		lp := lowerWord(prefix, false)
		if !elisions[lp] {
			break
		}
		ws = append(ws, word{start: start, end: start + a, pos: *pos, lower: lp, flags: wElision | flagBreak(brk)})
		*pos++
		brk = false
		start += a + size
	}
	var flags wordFlags
	// An English possessive: the city's, Barcelona’s.
	if n := end - start; n > 2 && (s[end-1] == 's' || s[end-1] == 'S') {
		if r, size := utf8.DecodeLastRuneInString(s[start : end-1]); isApostrophe(r) && end-1-size > start {
			end -= 1 + size
			flags |= wPossessive
		}
	}
	w := word{start: start, end: end, pos: *pos, flags: flags | flagBreak(brk)}
	*pos++
	runes := 0
	for i, r := range s[start:end] {
		runes++
		if i == 0 && unicode.IsUpper(r) {
			w.flags |= wCapital
		}
		if isDigit(r) {
			w.flags |= wDigit
		}
	}
	if runes > maxWordRunes {
		w.flags |= wTooLong
		return append(ws, w)
	}
	w.lower = lowerWord(s[start:end], joined)
	if w.lower == "" {
		// Only format characters and marks: nothing to index.
		w.flags |= wTooLong
	}
	return append(ws, w)
}

func flagBreak(brk bool) wordFlags {
	if brk {
		return wBreak
	}
	return 0
}

// findApostrophe returns the byte index and size of the first apostrophe
// in s, or -1.
func findApostrophe(s string) (int, int) {
	for i, r := range s {
		if isApostrophe(r) {
			return i, utf8.RuneLen(r)
		}
	}
	return -1, 0
}

// lowerWord lower-cases a word with Unicode rules, writes apostrophes as
// "'", drops format characters and, in joined groups, hyphens. It returns
// the word itself, without allocating, when nothing changes: the common
// case of a lower-case word.
func lowerWord(s string, dropHyphens bool) string {
	if !needsLower(s, dropHyphens) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	for _, r := range s {
		switch {
		case isApostrophe(r):
			b.WriteByte('\'')
		case isFormat(r):
		case dropHyphens && isHyphen(r):
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// needsLower reports whether lowerWord would change s.
func needsLower(s string, dropHyphens bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' || dropHyphens && c == '-' {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != '\'' && isApostrophe(r) || isFormat(r) || dropHyphens && isHyphen(r) || unicode.ToLower(r) != r {
			return true
		}
		i += size
	}
	return false
}

// wordsPool recycles the word slices of Analyze and DetectLanguage, which
// are scratch space: only the tokens built from them escape.
var wordsPool = sync.Pool{New: func() any {
	ws := make([]word, 0, 256)
	return &ws
}}

// maxPooledWords keeps a huge text's slice out of the pool.
const maxPooledWords = 1 << 14

func getWords() *[]word {
	ws := wordsPool.Get().(*[]word)
	*ws = (*ws)[:0]
	return ws
}

func putWords(ws *[]word) {
	if cap(*ws) > maxPooledWords {
		return
	}
	clear(*ws) // drop references to the text
	*ws = (*ws)[:0]
	wordsPool.Put(ws)
}
