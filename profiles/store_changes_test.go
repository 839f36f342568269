package profiles_test

import (
	"context"
	"testing"
	"time"

	"matchmaker/profiles"
)

// watchFeed returns a function that reads the changes the feed recorded since
// its last call (the first call: since watchFeed).
func watchFeed(t *testing.T, s *profiles.Store) func() []profiles.Change {
	t.Helper()
	head, err := s.ReadFeedHead(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	last := head.Last
	return func() []profiles.Change {
		t.Helper()
		cs, err := s.ReadChanges(context.Background(), last, nil, 10000)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) > 0 {
			last = cs[len(cs)-1].Seq
		}
		return cs
	}
}
