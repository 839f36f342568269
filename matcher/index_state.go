package matcher

import (
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Segments hold the postings of one kind of document each, so that a query
// for practices never walks the postings of experts, and the rarity of a
// word is measured among the documents it is compared with.
const (
	segPractice = iota
	segExpert
	segItem // the track-record items of experts, one document each
	segChallenge
	numSegs
)

// segOf is the segment of a kind of document.
func segOf(k Kind) int {
	switch k {
	case KindExpert:
		return segExpert
	case KindChallenge:
		return segChallenge
	}
	return segPractice
}

// Feature classes: words (stems), concepts of the lexicon, declared themes.
const (
	classTerm = iota
	classConcept
	classTheme
	numClasses
)

// Prefixes of the dictionary keys of concepts and themes: a stem never
// starts with a control character.
const (
	conceptPrefix = "\x01"
	themePrefix   = "\x02"
)

// A posting is a slot number and an 8-bit impact in one uint32: the slot in
// the high 24 bits, so that postings sorted by value are sorted by slot. It
// bounds an index to maxSlots slots (compaction renumbers them) and, in
// forward lists, to maxFeatures distinct features.
const (
	impBits     = 8
	impMask     = 1<<impBits - 1
	maxSlots    = 1<<(32-impBits) - 1
	maxFeatures = maxSlots
)

// Slot flags.
const (
	flLive     uint8 = 1 << iota // not deleted
	flEligible                   // a published practice, an open challenge, an active expert
	flItem                       // a track-record item
	flClosed                     // a closed challenge (matching ones are neither open nor closed)

	// The language of the texts takes flags' top bits (see langCode).
	flLangShift = 4
)

// sizeClasses are the names of the size classes by code; 0 is unknown.
var sizeClasses = [...]string{"", "small", "intermediary", "metropolis"}

func sizeClassCode(population int64) uint8 {
	c := SizeClass(population)
	for i, n := range sizeClasses {
		if n == c {
			return uint8(i)
		}
	}
	return 0
}

// langOf is the language of a langCode.
func langOf(code uint8) Lang {
	switch code {
	case 1:
		return English
	case 2:
		return French
	case 3:
		return Spanish
	}
	return ""
}

// langCode is the 2-bit code of an analysed language, 0 when unknown.
func langCode(l Lang) uint8 {
	switch l {
	case English:
		return 1
	case French:
		return 2
	case Spanish:
		return 3
	}
	return 0
}

// hotSlot is what candidate selection reads for every touched document: 8
// bytes, so that the filters cost one cache line per eight documents at
// worst.
type hotSlot struct {
	city    uint32
	country uint16
	region  uint8
	flags   uint8
}

// slotMeta is the rest of what the index knows of a document: read for the
// few hundred candidates of a query only. Its fields are ordered by size,
// so that it packs without holes (224 bytes).
type slotMeta struct {
	id     string
	name   string // Doc.Name: what a list shows, kept so that it needs no lookup
	langs  []uint16
	themes []uint16
	skills []uint32
	items  []uint32 // an expert's item slots
	// fwd is the forward list: the document's features with their
	// impacts, packed as postings are but with the feature ID in the high
	// bits, sorted. It completes the scores of candidates with the common
	// words that accumulation left out, and scores a pair exactly, with
	// one cache miss where looking each feature up in the postings would
	// cost one a feature.
	fwd []uint32
	// concepts are the words that first triggered each concept of the
	// texts: the evidence of the bridge between languages, kept because
	// finding them again means analysing the whole text (tens of µs).
	concepts []conceptSurface
	// hash is that of what the analysis of the document depends on (see
	// contentHash): an Upsert with the same hash changes the metadata in
	// place, without analysing the texts again.
	hash      uint64
	capacity  int32
	load      int32
	from      int32   // days since 1970-01-01; noFrom when open
	until     int32   // noUntil when open
	termLen   float32 // weighted number of words, for BM25
	conLen    float32 // weighted number of concept hits
	fb        feedbackStats
	role      uint16
	seniority uint16
	status    uint16
	itemIdx   uint16 // an item's index in the expert's track record
	year      uint16 // an item's year, 0 when unknown
	seg       uint8
	lang      uint8 // langCode of the texts
	sizeClass uint8 // index in sizeClasses
	modes     uint8 // bit per mode; 0 is any
	// cov is the share of the words of the texts that concept hits cover
	// (see coverageCode), which says how far the concept factor is to be
	// trusted for this document (see conceptTrust).
	cov    uint8
	paused bool
}

// coverageCode codes a coverage in [0, 1] on 8 bits; coverageOf decodes it.
func coverageCode(v float64) uint8 { return uint8(math.Round(min(1, max(0, v)) * 255)) }

func coverageOf(c uint8) float64 { return float64(c) / 255 }

// feedbackStats is an expert's Feedback as the index keeps it: 16 bytes,
// counts capped at 65,535.
type feedbackStats struct {
	ratingSum uint32
	completed uint16
	byMode    [3]uint16 // exchange, peer_review, tutoring (see modeIndex)
	rated     uint16
}

// modeIndex is the index of a mode in feedbackStats.byMode, -1 for none.
func modeIndex(m Mode) int {
	switch m {
	case ModeExchange:
		return 0
	case ModePeerReview:
		return 1
	case ModeTutoring:
		return 2
	}
	return -1
}

// feedbackOf converts a Feedback, capping what does not fit and bringing
// the rating sum into [Rated, 5·Rated].
func feedbackOf(f *Feedback) feedbackStats {
	const maxCount = math.MaxUint16
	c16 := func(n int) uint16 { return uint16(max(0, min(n, maxCount))) }
	var fb feedbackStats
	inModes := 0
	for m, n := range f.ByMode {
		if i := modeIndex(Mode(strings.ToLower(strings.TrimSpace(m)))); i >= 0 && n > 0 {
			fb.byMode[i] = c16(int(fb.byMode[i]) + n)
			inModes += n
		}
	}
	fb.completed = c16(max(f.Completed, inModes))
	rated, sum := max(0, f.Rated), f.RatingSum
	if rated > maxCount {
		sum = int(math.Round(float64(sum) * maxCount / float64(rated)))
		rated = maxCount
	}
	fb.rated = uint16(rated)
	fb.ratingSum = uint32(max(rated, min(sum, 5*rated)))
	return fb
}

// conceptSurface is a concept (its feature ID) and the words that first
// triggered it in a document, as written.
type conceptSurface struct {
	id uint32
	w  float32 // the weight of the strongest hit (see recognisable)
	s  string
}

// Open ends of availability windows and timeframes.
const (
	noFrom  = math.MinInt32
	noUntil = math.MaxInt32
)

// segment is the postings of one segment, by feature ID.
type segment struct {
	post    [][]uint32
	live    int        // live documents: the N of rarity
	deadDF  []int32    // by feature ID, the dead postings not compacted yet
	sumLen  [2]float64 // total term and concept lengths of the live documents
	postCnt int        // postings held, dead ones included
}

// strTable interns strings: the index compares small integers, and keeps
// each country, language or theme code once.
type strTable struct {
	ids   map[string]uint32
	names []string
}

func newStrTable() strTable {
	return strTable{ids: map[string]uint32{}, names: []string{""}}
}

// intern returns the ID of s, adding it; "" is 0.
func (t *strTable) intern(s string) uint32 {
	if s == "" {
		return 0
	}
	if id, ok := t.ids[s]; ok {
		return id
	}
	id := uint32(len(t.names))
	s = strings.Clone(s)
	t.ids[s] = id
	t.names = append(t.names, s)
	return id
}

// noID is the ID of a string the index has never seen: it equals nothing.
const noID = math.MaxUint32

// find returns the ID of s without adding it: 0 for "", noID when unknown.
func (t *strTable) find(s string) uint32 {
	if s == "" {
		return 0
	}
	if id, ok := t.ids[s]; ok {
		return id
	}
	return noID
}

func (t *strTable) name(id uint32) string {
	if int(id) < len(t.names) {
		return t.names[id]
	}
	return ""
}

// state is the whole content of an index. Build makes a new one and swaps
// it in; Upsert and Delete change the current one under the write lock.
type state struct {
	ranking Ranking
	keep    bool         // keep the Docs (no lookup function)
	seed    maphash.Seed // of contentHash
	gen     uint64       // tells this state from the others of the process (see subjectIDs)

	dict  map[string]uint32 // feature key -> feature ID
	names []string          // feature ID -> key
	segs  [numSegs]segment

	hot  []hotSlot
	meta []slotMeta
	// parent is, for a track-record item, its expert's slot (the slot
	// itself otherwise): a query folds thousands of items into their
	// experts, and a 4-byte array keeps that off the big metadata.
	parent []uint32
	kept   []*Doc // by slot, when keep

	ids    map[string]uint32   // document ID -> slot
	byCity map[uint32][]uint32 // city -> slots of its documents (not items), dead ones dropped
	dead   int                 // dead slots

	// buildDF are the final document frequencies while Build lays out the
	// postings (TF-IDF impacts need them before the lists are full).
	buildDF [numSegs][]int32
	// buildIDF is, meanwhile, the TF-IDF rarity of each feature, by
	// segment (see tfidfIDF).
	buildIDF [numSegs][]float64

	cities, countries, regions, langs, themes, roles, skills strTable
}

func newState(r Ranking, keep bool, seed maphash.Seed) *state {
	return &state{
		ranking: r, keep: keep, seed: seed, gen: stateGens.Add(1),
		dict: map[string]uint32{}, ids: map[string]uint32{}, byCity: map[uint32][]uint32{},
		cities: newStrTable(), countries: newStrTable(), regions: newStrTable(),
		langs: newStrTable(), themes: newStrTable(), roles: newStrTable(), skills: newStrTable(),
	}
}

// stateGens numbers the states of the process.
var stateGens atomic.Uint64

// feature returns the ID of key, adding it.
func (st *state) feature(key string) uint32 {
	if id, ok := st.dict[key]; ok {
		return id
	}
	id := uint32(len(st.names))
	key = strings.Clone(key)
	st.dict[key] = id
	st.names = append(st.names, key)
	return id
}

// postings returns the postings of feature id in segment seg (nil if none).
func (st *state) postings(seg int, id uint32) []uint32 {
	p := st.segs[seg].post
	if int(id) < len(p) {
		return p[id]
	}
	return nil
}

// avgLen is the average term or concept length of the live documents of a
// segment (1 when empty, to keep BM25 defined).
func (st *state) avgLen(seg, class int) float64 {
	s := &st.segs[seg]
	if s.live == 0 || s.sumLen[class] == 0 {
		return 1
	}
	return s.sumLen[class] / float64(s.live)
}

// modeBits maps a mode to its bit in slotMeta.modes.
func modeBit(m string) uint8 {
	switch Mode(m) {
	case ModeExchange:
		return 1
	case ModePeerReview:
		return 2
	case ModeTutoring:
		return 4
	}
	return 0
}

// statuses are the statuses the index tells apart.
var statuses = map[string]uint16{"": 0, "published": 0, "open": 0, "draft": 1, "matching": 2, "closed": 3}

// statusName gives back the status of a slot for messages.
func statusName(seg uint8, st uint16) string {
	switch {
	case st == 1:
		return "draft"
	case st == 2:
		return "matching"
	case st == 3:
		return "closed"
	case seg == segChallenge:
		return "open"
	}
	return "published"
}

// parseDay converts YYYY-MM-DD into days since 1970-01-01; ok is false for
// "" or an invalid date, which the rules read as "no limit".
func parseDay(s string) (int32, bool) {
	if s == "" {
		return 0, false
	}
	if len(s) > 10 {
		s = s[:10] // a full timestamp: keep the date
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return int32(t.Unix() / 86400), true
}

// dayOf is the day number of t.
func dayOf(t time.Time) int32 {
	y, m, d := t.Date()
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// dayString formats a day number as YYYY-MM-DD.
func dayString(d int32) string {
	return time.Unix(int64(d)*86400, 0).UTC().Format(time.DateOnly)
}

// metaOf converts the context of a Doc into slot metadata, interning its
// strings (intern true, under the write lock) or only finding them (false,
// for a query subject under the read lock).
func (st *state) metaOf(d *Doc, lang Lang, intern bool) (slotMeta, hotSlot) {
	get := func(t *strTable, s string) uint32 {
		if intern {
			return t.intern(s)
		}
		return t.find(s)
	}
	norm := func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
	m := slotMeta{
		id:        d.ID,
		name:      d.Name,
		seg:       uint8(segOf(d.Kind)),
		lang:      langCode(lang),
		sizeClass: sizeClassCode(d.Population),
		role:      uint16(get(&st.roles, norm(d.Role))),
		seniority: uint16(get(&st.roles, norm(d.Seniority))),
		paused:    d.Paused,
		status:    statuses[norm(d.Status)],
		capacity:  int32(d.Capacity),
		load:      int32(d.Load),
		from:      noFrom,
		until:     noUntil,
	}
	if intern { // kept: not in the caller's memory
		m.name = strings.Clone(d.Name)
	}
	if d.Kind == KindExpert {
		m.fb = feedbackOf(&d.Feedback)
	}
	for _, md := range d.Modes {
		m.modes |= modeBit(norm(md))
	}
	if v, ok := parseDay(d.From); ok {
		m.from = v
	}
	if v, ok := parseDay(d.Until); ok {
		m.until = v
	}
	langs := d.Languages
	if len(langs) == 0 && lang != "" {
		langs = []string{string(lang)}
	}
	for _, l := range langs {
		if id := get(&st.langs, norm(l)); id != 0 && !slices.Contains(m.langs, uint16(id)) {
			m.langs = append(m.langs, uint16(id))
		}
	}
	for _, th := range d.Themes {
		if id := get(&st.themes, norm(th)); id != 0 && !slices.Contains(m.themes, uint16(id)) {
			m.themes = append(m.themes, uint16(id))
		}
	}
	for _, sk := range d.Skills {
		if id := get(&st.skills, normSkill(sk)); id != 0 && !slices.Contains(m.skills, id) {
			m.skills = append(m.skills, id)
		}
	}
	h := hotSlot{
		city:    get(&st.cities, strings.TrimSpace(d.CityID)),
		country: uint16(min(get(&st.countries, strings.ToUpper(strings.TrimSpace(d.Country))), math.MaxUint16)),
		region:  uint8(min(get(&st.regions, norm(d.Region)), math.MaxUint8)),
		flags:   flLive | langCode(lang)<<flLangShift,
	}
	if eligible(d) {
		h.flags |= flEligible
	}
	if d.Kind == KindChallenge && m.status == 3 {
		h.flags |= flClosed
	}
	return m, h
}

// eligible reports whether d may be suggested at all: a published
// practice, an open challenge, an expert who is not paused.
func eligible(d *Doc) bool {
	st := statuses[strings.ToLower(strings.TrimSpace(d.Status))]
	switch d.Kind {
	case KindPractice, KindChallenge:
		return st == 0
	case KindExpert:
		return !d.Paused
	}
	return false
}

// normSkill is how skills are compared: lower case, accents folded, single
// spaces.
func normSkill(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(FoldAccents(s))), " ")
}

// sameContent reports whether the document d.ID is indexed with the
// analysis d would get (hash, kind) in the same city: then refresh can
// update it in place.
func (st *state) sameContent(d *Doc, hash uint64) bool {
	slot, ok := st.ids[d.ID]
	if !ok {
		return false
	}
	m := &st.meta[slot]
	return m.hash == hash && int(m.seg) == segOf(d.Kind) &&
		st.hot[slot].city == st.cities.find(strings.TrimSpace(d.CityID))
}

// refresh replaces the metadata of the document d.ID with that of d,
// keeping its slot, postings and forward lists, when sameContent holds; it
// reports whether it did. The track-record items follow their expert's
// place and eligibility.
func (st *state) refresh(d *Doc, hash uint64) bool {
	if !st.sameContent(d, hash) {
		return false
	}
	slot := st.ids[d.ID]
	old := &st.meta[slot]
	m, h := st.metaOf(d, langOf(old.lang), true)
	m.fwd, m.concepts, m.items, m.hash = old.fwd, old.concepts, old.items, old.hash
	m.termLen, m.conLen, m.itemIdx, m.cov = old.termLen, old.conLen, old.itemIdx, old.cov
	*old = m
	st.hot[slot] = h
	for _, is := range m.items {
		st.hot[is] = hotSlot{city: h.city, country: h.country, region: h.region, flags: flLive | flItem | h.flags&flEligible}
	}
	if st.keep {
		dc := *d
		st.kept[slot] = &dc
	}
	return true
}
