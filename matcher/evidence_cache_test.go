package matcher_test

import (
	"reflect"
	"sync"
	"testing"

	"matchmaker/matcher"
)

// textStore is a caller's store of texts for an index WithLookup.
type textStore struct {
	mu   sync.Mutex
	docs map[string]matcher.Doc
}

func (s *textStore) lookup(id string) (matcher.Doc, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[id]
	return d, ok
}

func (s *textStore) put(d matcher.Doc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[d.ID] = d
}

// docWords is the words of term in the explanation of the suggestion id.
func docWords(t *testing.T, got []matcher.Suggestion, id, term string) []string {
	t.Helper()
	for _, s := range got {
		if s.ID != id {
			continue
		}
		for _, m := range s.Explanation.MatchedTerms {
			if m.Term == term {
				return m.DocWords
			}
		}
		t.Fatalf("%s: no matched term %q in %+v", id, term, s.Explanation.MatchedTerms)
	}
	t.Fatalf("%s not suggested: %+v", id, got)
	return nil
}

// TestEvidenceFollowsEditedTexts checks that the words an explanation
// shows are those of the version of the document the index scored: the
// same answer when a challenge is asked about again, the new words once an
// edited document is indexed again, and the words of an expert's
// track-record item with its title.
func TestEvidenceFollowsEditedTexts(t *testing.T) {
	practice := func(text string) matcher.Doc {
		return matcher.Doc{ID: "p1", Kind: matcher.KindPractice, CityID: "lyon", Lang: matcher.English, Status: "published",
			Fields: []matcher.Field{{Name: "title", Text: text}}}
	}
	expert := matcher.Doc{ID: "e1", Kind: matcher.KindExpert, CityID: "porto", Lang: matcher.English, Capacity: 3,
		Fields:      []matcher.Field{{Name: "bio", Text: "Engineer working on water networks."}},
		TrackRecord: []matcher.TrackItem{{Title: "Bicycle lanes for Porto", Summary: "Protected bicycle lanes and cycling counts.", Year: 2024}}}
	store := &textStore{docs: map[string]matcher.Doc{}}
	docs := []matcher.Doc{practice("Protected bicycle lanes on the main avenues"), expert,
		{ID: "p2", Kind: matcher.KindPractice, CityID: "turin", Lang: matcher.English, Status: "published",
			Fields: []matcher.Field{{Name: "title", Text: "Street trees and shade"}}}}
	for _, d := range docs {
		store.put(d)
	}
	ix := matcher.NewIndex(matcher.NewAnalyzer(testLexicon()), matcher.WithLookup(store.lookup))
	if err := ix.Build(docs, nil); err != nil {
		t.Fatal(err)
	}
	no := false
	challenge := matcher.Doc{ID: "c1", Kind: matcher.KindChallenge, CityID: "nantes", Lang: matcher.English,
		Fields: []matcher.Field{{Name: "title", Text: "More bicycle lanes, protected from traffic"}}}
	q := matcher.Query{Challenge: &challenge, Kind: matcher.KindPractice, RequireSharedLanguage: &no}

	first, err := ix.Suggest(q)
	if err != nil {
		t.Fatal(err)
	}
	if got := docWords(t, first, "p1", "lane"); !reflect.DeepEqual(got, []string{"lanes"}) {
		t.Errorf("words of lane: %q, want [lanes]", got)
	}
	again, err := ix.Suggest(q)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, again) {
		t.Errorf("asked again, another answer:\n%+v\n%+v", first, again)
	}

	edited := practice("A protected bicycle lane on the main avenue")
	store.put(edited)
	if err := ix.Upsert(edited); err != nil {
		t.Fatal(err)
	}
	after, err := ix.Suggest(q)
	if err != nil {
		t.Fatal(err)
	}
	if got := docWords(t, after, "p1", "lane"); !reflect.DeepEqual(got, []string{"lane"}) {
		t.Errorf("after the edit, words of lane: %q, want [lane]", got)
	}

	qe := q
	qe.Kind = matcher.KindExpert
	for range 2 {
		got, err := ix.Suggest(qe)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || got[0].ID != "e1" || got[0].Explanation.TrackRecord == nil {
			t.Fatalf("experts: %+v", got)
		}
		tr := got[0].Explanation.TrackRecord
		if tr.Title != "Bicycle lanes for Porto" || tr.Year != 2024 || len(tr.Words) == 0 {
			t.Errorf("track record: %+v", *tr)
		}
	}
}

// TestSubjectAskedAgainFindsNewWords checks that a challenge asked about
// again finds the documents that came in meanwhile with words the index did
// not know when it was first asked, and loses those rebuilt away.
func TestSubjectAskedAgainFindsNewWords(t *testing.T) {
	doc := func(id, text string) matcher.Doc {
		return matcher.Doc{ID: id, Kind: matcher.KindPractice, CityID: "city-" + id, Lang: matcher.English, Status: "published",
			Fields: []matcher.Field{{Name: "title", Text: text}}}
	}
	ix := matcher.NewIndex(matcher.NewAnalyzer(testLexicon()))
	base := []matcher.Doc{doc("p1", "Street trees and shade in summer")}
	if err := ix.Build(base, nil); err != nil {
		t.Fatal(err)
	}
	no := false
	challenge := matcher.Doc{ID: "c1", Kind: matcher.KindChallenge, CityID: "nantes", Lang: matcher.English,
		Fields: []matcher.Field{{Name: "title", Text: "Street trees against heat, and a zeolite filter for the fountains"}}}
	q := matcher.Query{Challenge: &challenge, Kind: matcher.KindPractice, RequireSharedLanguage: &no}
	ids := func() []string {
		t.Helper()
		got, err := ix.Suggest(q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range got {
			out = append(out, s.ID)
		}
		return out
	}
	if got := ids(); !reflect.DeepEqual(got, []string{"p1"}) {
		t.Fatalf("before: %q, want [p1]", got)
	}
	if err := ix.Upsert(doc("p2", "A zeolite filter for public fountains")); err != nil {
		t.Fatal(err)
	}
	if got := ids(); !reflect.DeepEqual(got, []string{"p2", "p1"}) && !reflect.DeepEqual(got, []string{"p1", "p2"}) {
		t.Errorf("after the new practice: %q, want p1 and p2", got)
	}
	if err := ix.Build([]matcher.Doc{doc("p3", "Zeolite filters in fountains")}, nil); err != nil {
		t.Fatal(err)
	}
	if got := ids(); !reflect.DeepEqual(got, []string{"p3"}) {
		t.Errorf("after a rebuild: %q, want [p3]", got)
	}
}
