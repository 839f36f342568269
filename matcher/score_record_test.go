package matcher_test

import (
	"testing"

	"matchmaker/matcher"
)

// TestTrackRecord checks how a track record speaks for an expert: a short
// title that repeats the challenge cannot make a perfect record, a recent
// item counts more than an old one, and several items on the subject more
// than one.
func TestTrackRecord(t *testing.T) {
	const title = "Household recycling in dense neighbourhoods"
	const summary = "Door-to-door household recycling with sorting ambassadors raised the recycling rate of packaging in dense neighbourhoods."
	item := func(year int) matcher.TrackItem { return matcher.TrackItem{Title: title, Summary: summary, Year: year} }
	other := matcher.TrackItem{Title: "Library opening hours", Summary: "Evening opening of public libraries and reading rooms.", Year: 2024}
	ex := func(id string, items ...matcher.TrackItem) matcher.Doc {
		d := expert(id, "accra", "GH", "Public servant.", "en", "fr")
		d.TrackRecord = items
		return d
	}
	docs := []matcher.Doc{
		challenge("c1", "lyon", "en", title, summary, "en", "fr"),
		ex("short", matcher.TrackItem{Title: title, Year: 2024}),
		ex("recent", item(2024), other),
		ex("old", item(2005), other),
		ex("one", item(2024), other, other),
		ex("three", item(2024), item(2023), item(2022)),
		ex("filler1", other), ex("filler2", other), ex("filler3", other),
	}
	ix := newTestIndex(t, docs)
	rec := func(id string) float64 {
		t.Helper()
		got, err := ix.Explain(matcher.Query{ChallengeID: "c1", Kind: matcher.KindExpert}, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Explanation.TrackRecord == nil {
			t.Fatalf("%s: no track record shown", id)
		}
		return got.Explanation.TrackRecord.Record
	}
	if r := rec("short"); r >= 0.75 {
		t.Errorf("a title alone, the challenge's own words: record %.3f, want well under 1", r)
	}
	if r, o := rec("recent"), rec("old"); r <= o {
		t.Errorf("recent item %.3f, the same twenty years old %.3f: the recent one must count more", r, o)
	}
	if th, on := rec("three"), rec("one"); th <= on {
		t.Errorf("three items on the subject %.3f, one %.3f: the record of three must count more", th, on)
	}
}
