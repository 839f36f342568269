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
