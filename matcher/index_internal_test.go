package matcher

import (
	"encoding/json"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"unsafe"
)

// TestPruningKeepsTheTopTen measures what the postings budget costs: on a
// synthetic corpus large enough for queries to exceed the budget, the top
// ten found with the budget must be (nearly) those found walking every
// posting. (At 100,000 documents with postingsBudget, 60 queries gave the
// same top ten for practices and 98.8% of it for experts.)
func TestPruningKeepsTheTopTen(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 20,000-document index")
	}
	cfg := CorpusConfig{Docs: 20_000, Seed: 7}
	ix := NewIndex(NewAnalyzer(nil))
	if err := ix.Build(SyntheticCorpus(cfg), nil); err != nil {
		t.Fatal(err)
	}
	qs := SyntheticQueries(cfg, 40, 50)
	ix.budget = 6_000 // a third of postingsBudget, for a fifth of the documents: harsher than at 100,000
	pruned := map[string][]string{}
	for _, k := range []Kind{KindPractice, KindExpert} {
		for i := range qs {
			got, err := ix.Suggest(Query{Challenge: &qs[i], Kind: k})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range got {
				pruned[string(k)+qs[i].ID] = append(pruned[string(k)+qs[i].ID], s.ID)
			}
		}
	}
	ix.budget = 1 << 30
	same, n := 0, 0
	for _, k := range []Kind{KindPractice, KindExpert} {
		for i := range qs {
			got, _ := ix.Suggest(Query{Challenge: &qs[i], Kind: k})
			for _, s := range got {
				n++
				if slices.Contains(pruned[string(k)+qs[i].ID], s.ID) {
					same++
				}
			}
		}
	}
	overlap := float64(same) / float64(n)
	t.Logf("overlap@10 with and without the budget: %.3f", overlap)
	if overlap < 0.97 {
		t.Errorf("overlap@10 %.3f: pruning loses good candidates", overlap)
	}
}

// TestForwardListsMatchPostings checks, after random upserts, deletes and
// compactions, that every live slot's forward list and the postings say the
// same thing, and that postings stay sorted.
func TestForwardListsMatchPostings(t *testing.T) {
	docs := SyntheticCorpus(CorpusConfig{Docs: 600, Seed: 3})
	ix := NewIndex(NewAnalyzer(nil))
	if err := ix.Build(docs[:300], nil); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		d := docs[rng.IntN(len(docs))]
		if i%3 == 0 {
			ix.Delete(d.ID)
			continue
		}
		if err := ix.Upsert(d); err != nil {
			t.Fatal(err)
		}
	}
	st := ix.st
	type pair struct{ slot, feat uint32 }
	fromPost := map[pair]uint32{}
	for seg := range st.segs {
		for id, list := range st.segs[seg].post {
			if !slices.IsSorted(list) {
				t.Fatalf("segment %d feature %d: postings not sorted", seg, id)
			}
			for _, p := range list {
				slot := p >> impBits
				if st.hot[slot].flags&flLive != 0 {
					fromPost[pair{slot, uint32(id)}] = p & impMask
				}
			}
		}
	}
	n := 0
	for slot, h := range st.hot {
		if h.flags&flLive == 0 {
			continue
		}
		for _, f := range st.meta[slot].fwd {
			n++
			if imp, ok := fromPost[pair{uint32(slot), f >> impBits}]; !ok || imp != f&impMask {
				t.Fatalf("slot %d feature %d: forward impact %d, postings %d (%v)", slot, f>>impBits, f&impMask, imp, ok)
			}
		}
	}
	if n != len(fromPost) {
		t.Errorf("%d forward entries, %d live postings", n, len(fromPost))
	}
	for id, slot := range st.ids {
		if st.meta[slot].id != id || st.hot[slot].flags&flLive == 0 {
			t.Errorf("id %s -> slot %d holds %q", id, slot, st.meta[slot].id)
		}
	}
	for slot, h := range st.hot {
		if h.flags&flLive == 0 {
			continue
		}
		p := st.parent[slot]
		if h.flags&flItem == 0 {
			if p != uint32(slot) {
				t.Errorf("slot %d: parent %d, want itself", slot, p)
			}
			continue
		}
		if st.hot[p].flags&flLive == 0 || !slices.Contains(st.meta[p].items, uint32(slot)) {
			t.Errorf("item %d: parent %d does not list it", slot, p)
		}
	}
	inCity := 0
	for c, slots := range st.byCity {
		for _, slot := range slots {
			inCity++
			if h := st.hot[slot]; h.flags&flLive == 0 || h.city != c {
				t.Errorf("city %d lists slot %d (flags %b, city %d)", c, slot, h.flags, h.city)
			}
		}
	}
	if inCity != len(st.ids) {
		t.Errorf("cities list %d slots, the index holds %d documents", inCity, len(st.ids))
	}
}

// TestUpsertInPlace checks that an Upsert that changes no text updates the
// document in its slot, and that one that does takes a new slot.
func TestUpsertInPlace(t *testing.T) {
	e := Doc{ID: "e1", Kind: KindExpert, CityID: "accra", Languages: []string{"en"}, Capacity: 2,
		Fields:      []Field{{Name: "bio", Text: "Household recycling and waste collection."}},
		TrackRecord: []TrackItem{{Title: "Recycling in Accra", Summary: "Door-to-door collection."}}}
	ix := NewIndex(NewAnalyzer(nil))
	if err := ix.Build([]Doc{e}, nil); err != nil {
		t.Fatal(err)
	}
	slot := ix.st.ids["e1"]
	tests := []struct {
		name    string
		edit    func(d *Doc)
		inPlace bool
	}{
		{"load", func(d *Doc) { d.Load = 1 }, true},
		{"feedback", func(d *Doc) {
			d.Feedback = Feedback{Completed: 2, ByMode: map[string]int{"tutoring": 2}, Rated: 2, RatingSum: 9}
		}, true},
		{"paused", func(d *Doc) { d.Paused = true }, true},
		{"languages and role", func(d *Doc) { d.Languages, d.Role = []string{"en", "fr"}, "mayor" }, true},
		{"bio", func(d *Doc) { d.Fields = []Field{{Name: "bio", Text: "Road safety around schools."}} }, false},
		{"track record", func(d *Doc) { d.TrackRecord[0].Summary = "Sorting ambassadors." }, false},
		{"city", func(d *Doc) { d.CityID = "kumasi" }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.TrackRecord = slices.Clone(e.TrackRecord)
			tc.edit(&e)
			if err := ix.Upsert(e); err != nil {
				t.Fatal(err)
			}
			now := ix.st.ids["e1"]
			if (now == slot) != tc.inPlace {
				t.Errorf("slot %d, was %d: in place %v, want %v", now, slot, now == slot, tc.inPlace)
			}
			slot = now
			m := &ix.st.meta[now]
			if m.load != int32(e.Load) || m.paused != e.Paused || int(m.fb.rated) != e.Feedback.Rated {
				t.Errorf("metadata not updated: load %d paused %v rated %d", m.load, m.paused, m.fb.rated)
			}
			eligible := ix.st.hot[now].flags&flEligible != 0
			for _, is := range m.items {
				if ix.st.hot[is].flags&flEligible != 0 != eligible || ix.st.parent[is] != now {
					t.Errorf("item %d does not follow its expert", is)
				}
			}
		})
	}
}

// TestBuildAnalysisMatchesAnalyseDoc checks that Build's own analysis of a
// document (buildAnalyzer, which remembers words and counts by feature ID)
// gives what analyseDoc gives, as Upsert uses it: the same features with
// the same frequencies to the last bit, the same lengths, concepts and
// evidence words, for the whole document and each track-record item.
func TestBuildAnalysisMatchesAnalyseDoc(t *testing.T) {
	var es []LexiconEntry
	add := func(concept string, lang Lang, terms ...string) {
		for _, term := range terms {
			es = append(es, LexiconEntry{Concept: concept, Lang: lang, Term: term})
		}
	}
	add("waste", English, "waste management", "recycling", "household waste")
	add("waste", French, "tri à la source", "déchets ménagers", "recyclage")
	add("waste", Spanish, "gestión de residuos sólidos", "reciclaje")
	add("health", French, "bien-être", "santé")
	add("health", English, "well-being", "health")
	add("digital_government", English, "e-government", "online services")
	add("digital_government", French, "en ligne", "administration numérique")
	add("digital_government", Spanish, "en línea")
	add("covid", English, "covid-19")
	a := NewAnalyzer(NewLexicon(es))

	docs := SyntheticCorpus(CorpusConfig{Docs: 300, Seed: 5})
	for i := range docs {
		if i%4 == 0 {
			docs[i].Lang = "" // detected from the texts
		}
	}
	docs = append(docs,
		Doc{ID: "fr", Kind: KindPractice, Lang: French, Themes: []string{" Waste ", "", "health"}, Fields: []Field{
			{Name: "title", Text: "Tri à la source des déchets ménagers"},
			{Name: "description", Text: "L'eau, l'assainissement et le bien-être : la COVID-19 a ralenti l'administration numérique en 2020-2021, " +
				"jusqu'à l'accès en ligne. Securite, sécurité, SÉCURITÉ; 3,5 % de CO2."}}},
		Doc{ID: "en", Kind: KindExpert, Themes: []string{"digital_government"}, Skills: []string{"waste management", "e-government"},
			Fields: []Field{{Name: "bio", Text: "The city's e-government programme: online services, household waste and recycling (COVID-19)."}},
			TrackRecord: []TrackItem{
				{Title: "Recycling in Barcelona’s districts", Summary: "Kerbside recycling of household waste, well-being of residents."},
				{Title: "", Summary: "   "},
				{Title: "E-mail and x-ray: the well-being of 1,000 staff", Summary: "Online services for co2 reporting."},
			}},
		Doc{ID: "es", Kind: KindChallenge, Lang: Spanish, Fields: []Field{
			{Name: "title", Text: "Gestión de los residuos sólidos y reciclaje"},
			{Name: "description", Text: "Participación ciudadana en línea; participacion, gestion de residuos solidos."}}},
		Doc{ID: "unknown", Kind: KindPractice, Fields: []Field{{Name: "title", Text: "42 2030 — ok"}}},
		Doc{ID: "weights", Kind: KindPractice, Lang: English, Fields: []Field{
			{Name: "title", Text: "Recycling recycling", Weight: 2.5},
			{Name: "summary", Text: "Waste management and recycling", Weight: 0.3}}},
	)

	dict := newBuildDict()
	b := newBuildAnalyzer(a, dict)
	names := func() map[uint32]string {
		m := map[uint32]string{}
		for i := range dict.shards {
			for k, id := range dict.shards[i].m {
				m[id] = k
			}
		}
		return m
	}
	type feats map[string]float32
	byKey := func(fs []featTF) feats {
		m := feats{}
		for _, f := range fs {
			m[f.key] = f.tf
		}
		return m
	}
	byID := func(fs []fidTF, name map[uint32]string) feats {
		m := feats{}
		for _, f := range fs {
			if _, dup := m[name[f.id]]; dup {
				t.Fatalf("feature %q counted twice", name[f.id])
			}
			m[name[f.id]] = f.tf
		}
		return m
	}
	for i := range docs {
		d := &docs[i]
		want := analyseDoc(a, d, nil)
		ad, doc, items := b.doc(d)
		name := names()
		if ad.lang != want.lang || ad.text.termLen != want.text.termLen || ad.text.conLen != want.text.conLen {
			t.Errorf("%s: lang %q, lengths %v %v; analyseDoc: %q, %v %v", d.ID, ad.lang, ad.text.termLen, ad.text.conLen,
				want.lang, want.text.termLen, want.text.conLen)
		}
		if got, w := byID(doc.feats[:doc.nTerm], name), byKey(want.text.terms); !maps.Equal(got, w) {
			t.Errorf("%s: terms\n%v\nanalyseDoc:\n%v", d.ID, got, w)
		}
		if got, w := byID(doc.feats[doc.nTerm:], name), byKey(want.text.concepts); !maps.Equal(got, w) {
			t.Errorf("%s: concepts %v, analyseDoc %v", d.ID, got, w)
		}
		if !slices.Equal(ad.conceptKeys, want.conceptKeys) || !slices.Equal(ad.conceptSurfaces, want.conceptSurfaces) {
			t.Errorf("%s: concepts first seen %q %q, analyseDoc %q %q", d.ID, ad.conceptKeys, ad.conceptSurfaces,
				want.conceptKeys, want.conceptSurfaces)
		}
		if len(items) != len(want.items) || len(ad.items) != len(want.items) {
			t.Fatalf("%s: %d items, analyseDoc %d", d.ID, len(items), len(want.items))
		}
		for j := range items {
			if got, w := byID(items[j].feats, name), byKey(want.items[j].terms); !maps.Equal(got, w) || items[j].nTerm != len(items[j].feats) {
				t.Errorf("%s item %d: terms %v, analyseDoc %v", d.ID, j, got, w)
			}
			if ad.items[j].termLen != want.items[j].termLen {
				t.Errorf("%s item %d: length %v, analyseDoc %v", d.ID, j, ad.items[j].termLen, want.items[j].termLen)
			}
		}
	}
}

// TestFeatSetSumsLikeSumFwd checks that featSet adds up the same weights as
// the merge of sumFwd, in the same order, to the last bit: with a bitmap
// over a narrow range of IDs and with the merge over a wide one.
func TestFeatSetSumsLikeSumFwd(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var fset featSet
	hits, merged := 0, 0
	for round := range 400 {
		// The query's features: up to 40 IDs over a narrow range, or
		// (one round in ten) one too wide for the bitmap.
		span := 1 + rng.IntN(3000)
		if round%10 == 0 {
			span = 64*maxFeatSetWords + rng.IntN(1e6)
		}
		lo := uint32(rng.IntN(1000))
		var fs []qfeat
		for id := lo; id < lo+uint32(span) && len(fs) < 40; id += 1 + uint32(rng.IntN(span/20+1)) {
			fs = append(fs, qfeat{id: id, class: rng.IntN(numClasses), w: rng.Float64()})
		}
		fset.reset(fs)
		if wide := (fs[len(fs)-1].id-fs[0].id)/64+1 > maxFeatSetWords; fset.merge != wide {
			t.Fatalf("round %d: merge %v for IDs %d to %d", round, fset.merge, fs[0].id, fs[len(fs)-1].id)
		}
		if fset.merge {
			merged++
		}
		// Forward lists around that range, a third of their entries
		// features of the query.
		for range 20 {
			fwd := map[uint32]uint32{}
			for range 1 + rng.IntN(120) {
				id := uint32(rng.IntN(int(lo) + span + 100))
				if rng.IntN(3) == 0 {
					id = fs[rng.IntN(len(fs))].id
				}
				fwd[id] = id<<impBits | uint32(1+rng.IntN(impMask))
			}
			list := slices.Sorted(maps.Values(fwd))
			for _, f := range fs {
				if _, ok := fwd[f.id]; ok {
					hits++
				}
			}
			wt, wc := sumFwd(fs, list)
			if gt, gc := fset.sum(list); gt != wt || gc != wc {
				t.Fatalf("round %d: featSet sums %v %v, sumFwd %v %v", round, gt, gc, wt, wc)
			}
		}
	}
	if hits < 1000 || merged == 0 {
		t.Errorf("%d features found, %d sets merged: the test misses cases", hits, merged)
	}
}

// TestWordTable checks the word memory of Build's workers against a map:
// words short and long, found or not, as the table grows.
func TestWordTable(t *testing.T) {
	if n := unsafe.Sizeof(wordSlot{}); n != 64 {
		t.Errorf("a word slot takes %d bytes, want 64 (one cache line)", n)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	letters := []rune("abcdeéèàçñü'")
	tab := newWordTable()
	want := map[string]buildWord{}
	for i := range 20000 {
		r := make([]rune, 1+rng.IntN(24))
		for j := range r {
			r[j] = letters[rng.IntN(len(letters))]
		}
		w := string(r)
		got, ok := tab.get(w)
		if bw, known := want[w]; ok != known || ok && (got.term != bw.term || got.id != bw.id || got.stop != bw.stop || len(got.first) != len(bw.first)) {
			t.Fatalf("%q: got %+v %v, want %+v %v", w, got, ok, bw, known)
		}
		if !ok {
			bw := buildWord{term: w + "-term", id: uint32(i), stop: i%3 == 0, first: make([]*expression, i%4)}
			tab.put(w, bw)
			want[w] = bw
		}
	}
	for w, bw := range want {
		if got, ok := tab.get(w); !ok || got.term != bw.term || got.id != bw.id {
			t.Fatalf("%q: got %+v %v, want %+v", w, got, ok, bw)
		}
	}
	if tab.n+len(tab.long) != len(want) || len(tab.long) == 0 {
		t.Errorf("%d words in slots and %d long ones, want %d in all, some long", tab.n, len(tab.long), len(want))
	}
}

// TestOneOffSubjectsAreNotKept: subjects asked about once (a search's
// words) are analysed, and their results' evidence found, without entering
// the caches, so that many of them cannot push out the challenges asked
// about again; a challenge's are kept, and a one-off query finds them.
func TestOneOffSubjectsAreNotKept(t *testing.T) {
	ix := NewIndex(NewAnalyzer(nil))
	if err := ix.Build(SyntheticCorpus(CorpusConfig{Docs: 200, Seed: 5}), nil); err != nil {
		t.Fatal(err)
	}
	kept := func() int {
		ix.subjects.mu.Lock()
		defer ix.subjects.mu.Unlock()
		return len(ix.subjects.m)
	}
	evidence := func() int {
		ix.evidence.mu.Lock()
		defer ix.evidence.mu.Unlock()
		return len(ix.evidence.cur) + len(ix.evidence.prev)
	}
	subject := func(i int) *Doc {
		return &Doc{ID: "search", Kind: KindChallenge, Fields: []Field{{Name: "title", Text: "water supply " + strconv.Itoa(i)}}}
	}
	for i := range 50 {
		if _, err := ix.Suggest(Query{Challenge: subject(i), OneOff: true}); err != nil {
			t.Fatal(err)
		}
	}
	if n, e := kept(), evidence(); n != 0 || e != 0 {
		t.Fatalf("%d one-off subjects and %d evidences kept, want none", n, e)
	}
	want, err := ix.Suggest(Query{Challenge: subject(0)})
	if err != nil {
		t.Fatal(err)
	}
	if n, e := kept(), evidence(); n != 1 || e == 0 || len(want) == 0 {
		t.Fatalf("%d subjects and %d evidences kept after a challenge's query of %d results, want 1 and some", n, e, len(want))
	}
	got, err := ix.Suggest(Query{Challenge: subject(0), OneOff: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(got) > 0 && (got[0].ID != want[0].ID || got[0].Score != want[0].Score) || kept() != 1 {
		t.Errorf("one-off and kept answers differ, or the cache moved: %d / %d results, %d kept", len(got), len(want), kept())
	}
}

// BenchmarkCandidatePool measures what choosing the candidates on a partial
// score costs the top ten at scale: on 100,000 synthetic documents with the
// production lexicon, 200 challenges asked as a user asks
// (require_shared_language=false), the share of each top ten found with
// the pool of minCandidates that a pool of 2,000 also finds, for each kind
// of suggestion. The figures are in docs/matching.md; it measures, it does
// not time.
func BenchmarkCandidatePool(b *testing.B) {
	raw, err := os.ReadFile("../profiles/themes.json")
	if err != nil {
		b.Fatal(err)
	}
	var themes []TaxonomyTheme
	if err := json.Unmarshal(raw, &themes); err != nil {
		b.Fatal(err)
	}
	lex, err := TaxonomyLexicon(themes, ProductionBridge)
	if err != nil {
		b.Fatal(err)
	}
	cfg := CorpusConfig{Docs: 100_000, Seed: 7}
	ix := NewIndex(NewAnalyzer(lex))
	if err := ix.Build(SyntheticCorpus(cfg), nil); err != nil {
		b.Fatal(err)
	}
	qs := SyntheticQueries(cfg, 200, 50)
	anyLanguage := false
	tops := func(kind Kind) map[string][]string {
		out := map[string][]string{}
		for i := range qs {
			got, err := ix.Suggest(Query{Challenge: &qs[i], Kind: kind, RequireSharedLanguage: &anyLanguage})
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range got {
				out[qs[i].ID] = append(out[qs[i].ID], s.ID)
			}
		}
		return out
	}
	b.ResetTimer()
	for range b.N {
		for _, kind := range []Kind{KindPractice, KindExpert, KindCity} {
			ix.pool = minCandidates
			got := tops(kind)
			ix.pool = 2000
			want := tops(kind)
			ix.pool = minCandidates
			same, n, lists := 0, 0, 0
			for id, w := range want {
				if slices.Equal(w, got[id]) {
					lists++
				}
				for _, s := range w {
					n++
					if slices.Contains(got[id], s) {
						same++
					}
				}
			}
			b.ReportMetric(float64(same)/float64(n), string(kind)+"-overlap")
			b.ReportMetric(float64(lists), string(kind)+"-same-lists")
		}
	}
}
