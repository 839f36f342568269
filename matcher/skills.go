package matcher

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// SkillMatch says whether an expert covers one skill, and with which of
// their words.
type SkillMatch struct {
	Skill   string `json:"skill"`
	Covered bool   `json:"covered"`
	// Words are the expert's words that match, as written: the words of a
	// declared skill or of a text, or the expressions that triggered the
	// shared concepts.
	Words []string `json:"words,omitempty"`
	// Source is where the match was found: "skills" (the declared
	// skills), "track_record" or "profile" (the bio and other fields); ""
	// when the skill is not covered.
	Source string `json:"source,omitempty"`
}

// Sources of a SkillMatch.
const (
	sourceSkills      = "skills"
	sourceTrackRecord = "track_record"
	sourceProfile     = "profile"
)

// skillPhraseSlack is how many positions a skill's words may spread over in
// a text beyond their own number, per word: stop words and a word or two
// between ("gestión integral de los residuos" holds "gestión de residuos"),
// not a whole sentence ("budget de voirie … participation" does not hold
// "budget participatif").
const skillPhraseSlack = 2

// partGap separates the positions of two parts of one text (the title and
// summary of an engagement, two fields): more than any phrase may span.
const partGap = 1 << 16

// minConceptHits is how many times the concepts of a skill must be found in
// the bio and track record to cover it there: a subject the expert returns
// to, not one mentioned in passing.
const minConceptHits = 2

// SkillCoverage says, for each of skills (written in lang; "" detects it
// skill by skill), whether the expert expertID covers it, and with which
// words. The rule, in order:
//
//  1. A declared skill (Doc.Skills) covers it when it holds all of the
//     skill's content words (same stems, in the same language: "gestión
//     de residuos" is covered by "gestión de residuos sólidos"), or when
//     the declared skills together hold all of its concepts, in any
//     language ("gestion des déchets" is covered by "waste management",
//     both the concept waste).
//  2. Else the bio and track record cover it when one of their texts holds
//     all of its content words close together (within skillPhraseSlack
//     positions a word: as a phrase, not scattered), or when its concepts
//     are each found there at least minConceptHits times.
//
// A skill that shares one word but not the subject is not covered:
// "budget participatif" is covered neither by "road budget" nor by "budget
// de voirie" (no concept in common, "participatif" missing). Concepts are
// as coarse as the lexicon's (a theme of the taxonomy): "recycling" covers
// "waste management". It returns ErrNotFound when expertID names no expert
// and an error wrapping ErrInvalidQuery for a language other than en, fr,
// es or "".
func (ix *Index) SkillCoverage(expertID string, skills []string, lang Lang) ([]SkillMatch, error) {
	if lang != "" && !lang.Valid() {
		return nil, fmt.Errorf("skill coverage: %w: language %q is not en, fr or es", ErrInvalidQuery, lang)
	}
	d, ok := ix.fetch(expertID)
	if !ok {
		return nil, fmt.Errorf("skill coverage: expert %s: %w", expertID, ErrNotFound)
	}
	if d.Kind != KindExpert {
		return nil, fmt.Errorf("skill coverage: %w", notFoundAs(KindExpert, expertID, d.Kind))
	}
	ex := ix.analyseExpertSkills(&d)
	out := make([]SkillMatch, len(skills))
	for i, sk := range skills {
		out[i] = ex.cover(ix.an, sk, lang)
	}
	return out, nil
}

// expertSkills is an expert's profile analysed for SkillCoverage.
type expertSkills struct {
	lang     Lang
	declared []skillText // one per declared skill
	texts    []skillText // the profile (all fields), then each engagement
}

// skillText is one analysed text: its words and the concepts found in it.
type skillText struct {
	source   string
	tokens   []Token
	concepts []ConceptHit
}

func (ix *Index) analyseExpertSkills(d *Doc) *expertSkills {
	ex := &expertSkills{lang: docLang(d)}
	for _, s := range d.Skills {
		if strings.TrimSpace(s) == "" {
			continue
		}
		// Declared skills are short and often in another language than
		// the bio: their concepts are looked for in all three.
		ex.declared = append(ex.declared, skillText{source: sourceSkills,
			tokens: ix.an.Analyze(s, ex.lang).Tokens, concepts: ix.an.conceptsAnyLang(s)})
	}
	// The fields make one text, each engagement another. Positions run on
	// from one part of a text to the next with a gap, so that no phrase
	// spans two.
	add := func(t *skillText, text string) {
		an := ix.an.Analyze(text, ex.lang)
		base := 0
		if n := len(t.tokens); n > 0 {
			base = t.tokens[n-1].Pos + partGap
		}
		for _, tok := range an.Tokens {
			tok.Pos += base
			t.tokens = append(t.tokens, tok)
		}
		t.concepts = append(t.concepts, an.Concepts...)
	}
	profile := skillText{source: sourceProfile}
	for _, f := range d.Fields {
		add(&profile, f.Text)
	}
	items := make([]skillText, len(d.TrackRecord))
	for i, it := range d.TrackRecord {
		items[i].source = sourceTrackRecord
		add(&items[i], it.Title)
		add(&items[i], it.Summary)
	}
	ex.texts = append(append(ex.texts, profile), items...)
	return ex
}

// cover applies the rule of SkillCoverage to one skill.
func (ex *expertSkills) cover(a *Analyzer, skill string, lang Lang) SkillMatch {
	m := SkillMatch{Skill: skill}
	if strings.TrimSpace(skill) == "" {
		return m
	}
	if lang == "" {
		lang = DetectLanguage(skill)
	}
	an := a.Analyze(skill, lang)
	var terms []string
	for _, t := range an.Tokens {
		if !slices.Contains(terms, t.Term) {
			terms = append(terms, t.Term)
		}
	}
	var concepts []string
	for _, c := range an.Concepts {
		if !slices.Contains(concepts, c.Concept) {
			concepts = append(concepts, c.Concept)
		}
	}
	sameLang := an.Lang == ex.lang
	covered := func(src string, words []string) SkillMatch {
		m.Covered, m.Source, m.Words = true, src, words
		return m
	}

	// 1. The declared skills: one holding every word, or all together
	// every concept.
	if sameLang && len(terms) > 0 {
		for _, ds := range ex.declared {
			if words, ok := phraseIn(ds.tokens, terms, -1); ok {
				return covered(sourceSkills, words)
			}
		}
	}
	if words, ok := conceptsIn(ex.declared, concepts, 1); ok {
		return covered(sourceSkills, words)
	}

	// 2. The bio and track record: the words as a phrase in one text, or
	// each concept found repeatedly.
	if sameLang && len(terms) > 0 {
		for _, t := range ex.texts {
			if words, ok := phraseIn(t.tokens, terms, len(terms)*(1+skillPhraseSlack)); ok {
				return covered(t.source, words)
			}
		}
	}
	if words, ok := conceptsIn(ex.texts, concepts, minConceptHits); ok {
		src := sourceProfile
		for _, t := range ex.texts[1:] {
			if slices.ContainsFunc(t.concepts, func(c ConceptHit) bool { return slices.Contains(concepts, c.Concept) }) {
				src = sourceTrackRecord
				break
			}
		}
		return covered(src, words)
	}
	return m
}

// phraseIn looks for all of terms among tokens (sorted by position) within
// a span of maxSpan positions (any span when maxSpan < 0), the tightest
// first, and returns their words as written.
func phraseIn(tokens []Token, terms []string, maxSpan int) ([]string, bool) {
	need := len(terms)
	count := make([]int, len(terms))
	have := 0
	best, bestLo, bestHi := -1, 0, 0
	lo := 0
	for hi, t := range tokens {
		i := slices.Index(terms, t.Term)
		if i < 0 {
			continue
		}
		if count[i]++; count[i] == 1 {
			have++
		}
		for have == need {
			// Shrink from the left while every term stays inside.
			j := slices.Index(terms, tokens[lo].Term)
			if j < 0 {
				lo++
				continue
			}
			if span := t.Pos - tokens[lo].Pos + 1; best < 0 || span < best {
				best, bestLo, bestHi = span, lo, hi
			}
			if count[j]--; count[j] == 0 {
				have--
			}
			lo++
		}
	}
	if best < 0 || maxSpan >= 0 && best > maxSpan {
		return nil, false
	}
	var words []string
	for _, t := range tokens[bestLo : bestHi+1] {
		if slices.Contains(terms, t.Term) {
			words = addWord(words, t.Surface)
		}
	}
	return words, true
}

// conceptsIn reports whether each of concepts is found at least minHits
// times in texts, and returns the expressions that triggered them.
func conceptsIn(texts []skillText, concepts []string, minHits int) ([]string, bool) {
	if len(concepts) == 0 {
		return nil, false
	}
	hits := make([]int, len(concepts))
	var words []string
	for _, t := range texts {
		for _, c := range t.concepts {
			if i := slices.Index(concepts, c.Concept); i >= 0 {
				hits[i]++
				words = addWord(words, c.Surface)
			}
		}
	}
	for _, h := range hits {
		if h < minHits {
			return nil, false
		}
	}
	return words, true
}

// conceptsAnyLang finds the lexicon's concepts in text in all three
// languages: for short texts whose language cannot be told, such as a
// declared skill.
func (a *Analyzer) conceptsAnyLang(text string) []ConceptHit {
	if a.lex == nil {
		return nil
	}
	text = normalizeText(text)
	wsp := getWords()
	defer putWords(wsp)
	*wsp = tokenize(text, *wsp)
	return a.matchAllLangs(text, *wsp)
}

// KeySkills limits.
const (
	// DefaultKeySkills is the number of derived skills when n is 0.
	DefaultKeySkills = 5
	// MaxKeySkills is the largest n of KeySkills.
	MaxKeySkills = 20
)

// KeySkills returns the skills the challenge challengeID needs, for a
// tutoring team to cover (see SkillCoverage): its declared skills
// (Doc.Skills, all of them, as written, duplicates dropped) when it has
// any; else up to n skills derived from its texts (0 is DefaultKeySkills,
// at most MaxKeySkills): the labels, in the challenge's language, of the
// lexicon concepts its texts speak of most (each hit weighed by its
// field's weight: a concept of the title counts double), then of its
// declared themes that the lexicon knows. It returns ErrNotFound when
// challengeID names no challenge, and nothing when neither the texts nor
// the themes give a concept.
func (ix *Index) KeySkills(challengeID string, n int) ([]string, error) {
	if n == 0 {
		n = DefaultKeySkills
	}
	if n < 0 || n > MaxKeySkills {
		return nil, fmt.Errorf("key skills: %w: n %d is not between 1 and %d", ErrInvalidQuery, n, MaxKeySkills)
	}
	d, ok := ix.fetch(challengeID)
	if !ok {
		return nil, fmt.Errorf("key skills: challenge %s: %w", challengeID, ErrNotFound)
	}
	if d.Kind != KindChallenge {
		return nil, fmt.Errorf("key skills: %w", notFoundAs(KindChallenge, challengeID, d.Kind))
	}
	out := []string{}
	if len(d.Skills) > 0 {
		var seen []string
		for _, s := range d.Skills {
			s = strings.Join(strings.Fields(s), " ")
			if k := normSkill(s); k != "" && !slices.Contains(seen, k) {
				seen = append(seen, k)
				out = append(out, s)
			}
		}
		return out, nil
	}
	lex := ix.an.Lexicon()
	if lex == nil {
		return out, nil
	}
	lang := docLang(&d)
	type scored struct {
		concept string
		w       float64
		first   int // order of first appearance
	}
	var cs []scored
	for _, p := range docParts(&d) {
		for _, h := range ix.an.Analyze(p.text, lang).Concepts {
			i := slices.IndexFunc(cs, func(c scored) bool { return c.concept == h.Concept })
			if i < 0 {
				i = len(cs)
				cs = append(cs, scored{concept: h.Concept, first: i})
			}
			cs[i].w += p.weight * h.Weight
		}
	}
	slices.SortStableFunc(cs, func(a, b scored) int {
		if c := cmp.Compare(b.w, a.w); c != 0 {
			return c
		}
		return cmp.Compare(a.first, b.first)
	})
	concepts := make([]string, 0, n)
	for _, c := range cs {
		concepts = append(concepts, c.concept)
	}
	for _, th := range d.Themes {
		th = strings.ToLower(strings.TrimSpace(th))
		if lex.labels[th] != nil && !slices.Contains(concepts, th) {
			concepts = append(concepts, th)
		}
	}
	for _, c := range concepts {
		if len(out) == n {
			break
		}
		if l := lex.Label(c, lang); !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out, nil
}
