package matcher

import (
	"math/rand/v2"
	"slices"
	"testing"
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
