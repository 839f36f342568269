package assembly

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// scale turns scores into integer units, so that sums, bounds and the
// flow's potentials are exact. It is a power of two: scores that are
// dyadic fractions (k/64…) convert without rounding.
type scale struct{ k float64 }

// newScale picks the largest power of two k with maxScore·k <= maxUnits.
func newScale(maxScore float64, maxUnits float64) scale {
	if maxScore <= 0 {
		return scale{k: 1}
	}
	_, e := math.Frexp(maxUnits / maxScore) // maxUnits/maxScore = f·2^e, f in [0.5, 1)
	return scale{k: math.Ldexp(1, e-1)}
}

func (s scale) units(score float64) int64 { return int64(math.Round(score * s.k)) }

// mcand is an eligible candidate of a model, its attributes as small
// integers.
type mcand struct {
	id      string
	src     int // index in the caller's candidate slice
	score   float64
	w       int64 // score in units
	country int32
	region  int32
	class   int32  // same country, region and quota signature: interchangeable but for the score
	sig     uint32 // bit j: the role counts toward quota j
	langs   []int32
}

// model is one panel problem read once: the eligible candidates sorted by
// score (then ID) and the rules as integers.
type model struct {
	rules      PanelRules
	size       int
	quotaMin   []int
	quotaName  []string
	quotaList  []string // each quota's roles, comma-separated (Infeasible.Subject)
	maxCountry int
	maxRegion  int
	minOther   int
	home       int32 // id of the reviewed country when present among the candidates, else -1
	unknown    int32 // id of the empty country, else -1: never an "other country"
	commonLang bool

	countryNames []string
	langNames    []string
	cityLangRank []int // per language id: position among the city languages, or len(CityLanguages)

	cands   []mcand
	pinned  []int // cand indices of the pinned experts
	nClass  int
	removed [numReasons]int // candidates removed per rule, for Infeasible.Detail
	pinErr  *Infeasible     // a pinned expert that cannot be on the panel
	cr      candidateRules
}

// buildModel validates and reads a panel problem. Rule and candidate
// errors are returned; a pinned expert breaking a per-candidate rule is
// recorded in pinErr.
func buildModel(r PanelRules, cands []Candidate, sc scale) (*model, error) {
	if err := validatePanelRules(r); err != nil {
		return nil, err
	}
	if err := validateCandidates(cands); err != nil {
		return nil, err
	}
	m := &model{
		rules: r, size: r.Size, maxCountry: r.MaxPerCountry, maxRegion: r.MaxPerRegion,
		minOther: r.MinOtherCountries, commonLang: r.CommonLanguage, home: -1, unknown: -1,
		cr: panelCandidateRules(r),
	}
	quotaRoles := make([][]string, 0, len(r.RoleQuotas))
	for _, q := range r.RoleQuotas {
		if q.Min == 0 {
			continue
		}
		m.quotaMin = append(m.quotaMin, q.Min)
		m.quotaName = append(m.quotaName, quotaName(q))
		m.quotaList = append(m.quotaList, strings.Join(normRoles(q.Roles), ", "))
		quotaRoles = append(quotaRoles, normRoles(q.Roles))
	}
	cityLangs := normLangs(r.CityLanguages)
	countryID := map[string]int32{}
	regionID := map[string]int32{}
	langID := map[string]int32{}
	type classKey struct {
		country, region int32
		sig             uint32
	}
	classID := map[classKey]int32{}
	id := func(ids map[string]int32, s string, names *[]string) int32 {
		v, ok := ids[s]
		if !ok {
			v = int32(len(ids))
			ids[s] = v
			if names != nil {
				*names = append(*names, s)
			}
		}
		return v
	}
	var regionNames []string
	for i := range cands {
		c := &cands[i]
		if rs := m.cr.check(c, false); len(rs) > 0 {
			m.removed[rs[0]]++
			continue
		}
		mc := mcand{id: c.ID, src: i, score: c.Score, w: sc.units(c.Score)}
		mc.country = id(countryID, normCountry(c.Country), &m.countryNames)
		mc.region = id(regionID, normRegion(c.Region), &regionNames)
		role := normRole(c.Role)
		for j, roles := range quotaRoles {
			if slices.Contains(roles, role) {
				mc.sig |= 1 << j
			}
		}
		mc.class = id2(classID, classKey{mc.country, mc.region, mc.sig})
		for _, l := range normLangs(c.Languages) {
			mc.langs = append(mc.langs, id(langID, l, &m.langNames))
		}
		slices.Sort(mc.langs)
		m.cands = append(m.cands, mc)
	}
	m.nClass = len(classID)
	if v, ok := countryID[normCountry(r.CityCountry)]; ok && normCountry(r.CityCountry) != "" {
		m.home = v
	}
	if v, ok := countryID[""]; ok {
		m.unknown = v
	}
	m.cityLangRank = make([]int, len(m.langNames))
	for i, l := range m.langNames {
		m.cityLangRank[i] = len(cityLangs)
		if p := slices.Index(cityLangs, l); p >= 0 {
			m.cityLangRank[i] = p
		}
	}
	slices.SortFunc(m.cands, func(a, b mcand) int {
		if a.w != b.w {
			return cmp.Compare(b.w, a.w)
		}
		return cmp.Compare(a.id, b.id)
	})
	m.readPinned(r.Pinned, cands)
	return m, nil
}

func id2[K comparable](ids map[K]int32, k K) int32 {
	v, ok := ids[k]
	if !ok {
		v = int32(len(ids))
		ids[k] = v
	}
	return v
}

// readPinned finds the pinned experts among the eligible candidates, or
// records why one cannot sit.
func (m *model) readPinned(pinned []string, cands []Candidate) {
	byID := make(map[string]int, len(m.cands))
	for i := range m.cands {
		byID[m.cands[i].id] = i
	}
	var seen []string
	for _, p := range pinned {
		if slices.Contains(seen, p) {
			continue
		}
		seen = append(seen, p)
		if i, ok := byID[p]; ok {
			m.pinned = append(m.pinned, i)
			continue
		}
		if m.pinErr != nil {
			continue
		}
		rule := "pinned expert " + p
		j := slices.IndexFunc(cands, func(c Candidate) bool { return c.ID == p })
		if j < 0 {
			m.pinErr = &Infeasible{Rule: rule, Kind: RulePinned, Required: 1, Reason: "not among the candidates", Subject: p, Because: RuleUnknown}
			continue
		}
		rs := m.cr.check(&cands[j], false)
		m.pinErr = &Infeasible{Rule: rule, Kind: RulePinned, Required: 1, Reason: m.cr.text(rs[0], &cands[j]), Subject: p, Because: rs[0].kind()}
	}
	if m.pinErr == nil && len(m.pinned) > m.size {
		m.pinErr = &Infeasible{Rule: "pinned experts", Kind: RulePinned, Required: m.size, Eligible: len(m.pinned),
			Reason: fmt.Sprintf("%d pinned, the panel has %d seats", len(m.pinned), m.size)}
	}
}

// isOther reports whether a country id counts as a country other than the
// reviewed one.
func (m *model) isOther(country int32) bool { return country != m.home && country != m.unknown }

// speaks reports whether candidate i speaks language l.
func (m *model) speaks(i int, l int32) bool {
	_, ok := slices.BinarySearch(m.cands[i].langs, l)
	return ok
}

// meets checks a full member list (cand indices) against every panel rule
// but the per-candidate ones, which the model applied already. It returns
// the common language chosen (-1 when not asked) and whether all rules
// hold. It is the slow, obvious check used for alternates and as a guard.
func (m *model) meets(members []int) (int32, bool) {
	if len(members) != m.size {
		return -1, false
	}
	for _, p := range m.pinned {
		if !slices.Contains(members, p) {
			return -1, false
		}
	}
	for j, qmin := range m.quotaMin {
		n := 0
		for _, i := range members {
			if m.cands[i].sig&(1<<j) != 0 {
				n++
			}
		}
		if n < qmin {
			return -1, false
		}
	}
	others := 0
	for a, i := range members {
		c := &m.cands[i]
		nc, nr := 1, 1
		for _, k := range members[:a] {
			if m.cands[k].country == c.country {
				nc++
			}
			if m.cands[k].region == c.region {
				nr++
			}
			if k == i {
				return -1, false
			}
		}
		if (m.maxCountry > 0 && nc > m.maxCountry) || (m.maxRegion > 0 && nr > m.maxRegion) {
			return -1, false
		}
		if nc == 1 && m.isOther(c.country) {
			others++
		}
	}
	if others < m.minOther {
		return -1, false
	}
	if !m.commonLang {
		return -1, true
	}
	best := int32(-1)
	for _, l := range m.cands[members[0]].langs {
		all := true
		for _, i := range members[1:] {
			if !m.speaks(i, l) {
				all = false
				break
			}
		}
		if all && (best < 0 || m.langBefore(l, best)) {
			best = l
		}
	}
	return best, best >= 0
}

// langBefore orders languages: city languages first in the city's order,
// then the others by name.
func (m *model) langBefore(a, b int32) bool {
	ra, rb := m.cityLangRank[a], m.cityLangRank[b]
	if ra != rb {
		return ra < rb
	}
	return m.langNames[a] < m.langNames[b]
}
