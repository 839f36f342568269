package workflow

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"matchmaker/matcher"
	"matchmaker/profiles"
)

// docCache keeps the documents an index without texts read last. A read
// that raced a write must not put the older version back: a write puts the
// version it wrote, and a read adds what it read only when no write, delete
// or city's change came since it started (they count in gen, which the
// read's add checks under mu) and the cache holds nothing under its ID.
type docCache struct {
	docs *lru.Cache[string, matcher.Doc]
	gen  atomic.Uint64
	// mu is held by every change of docs, and so by evicted, which docs
	// calls from inside a change: byCity names exactly the documents kept.
	mu sync.Mutex
	// byCity are the IDs of the documents kept, by city, so that a city's
	// change reaches its documents without a pass over the whole cache.
	byCity map[string]map[string]struct{}
}

func newDocCache(n int) *docCache {
	c := &docCache{byCity: map[string]map[string]struct{}{}}
	docs, err := lru.NewWithEvict(n, c.evicted)
	if err != nil { // n > 0: cannot happen
		panic(err)
	}
	c.docs = docs
	return c
}

// add puts d in the cache under id, a newer version than any kept.
func (c *docCache) add(id string, d matcher.Doc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	if old, had := c.docs.Peek(id); had && old.CityID != d.CityID {
		c.forget(id, old.CityID)
	}
	c.docs.Add(id, d)
	c.remember(id, d.CityID)
}

// addRead puts d, read from the store, in the cache unless it holds a
// version of id already, or a change came after gen, the cache's gen when
// the read started (a write of id may have been evicted since).
func (c *docCache) addRead(id string, d matcher.Doc, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if found, _ := c.docs.ContainsOrAdd(id, d); !found {
		c.remember(id, d.CityID)
	}
}

// evicted is the cache's eviction callback: id left it. docs calls it from
// inside a change, under mu.
func (c *docCache) evicted(id string, d matcher.Doc) { c.forget(id, d.CityID) }

// remember and forget keep byCity; the caller holds mu.
func (c *docCache) remember(id, city string) {
	if city == "" {
		return
	}
	ids := c.byCity[city]
	if ids == nil {
		ids = map[string]struct{}{}
		c.byCity[city] = ids
	}
	ids[id] = struct{}{}
}

func (c *docCache) forget(id, city string) {
	if ids := c.byCity[city]; ids != nil {
		delete(ids, id)
		if len(ids) == 0 {
			delete(c.byCity, city)
		}
	}
}

// wrote records the document a write leaves (nil: deleted).
func (c *docCache) wrote(id string, d *matcher.Doc) {
	if c == nil {
		return
	}
	if d == nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.gen.Add(1)
		c.docs.Remove(id)
		return
	}
	c.add(id, *d)
}

// cityPopulation gives the documents kept of the city cityID the city's new
// population, as the follower would have read them again. A read under way
// that started before adds nothing (gen).
func (c *docCache) cityPopulation(cityID string, population int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	for id := range c.byCity[cityID] {
		d, ok := c.docs.Peek(id)
		if !ok || d.Population == population {
			continue
		}
		d.Population = population
		c.docs.Add(id, d)
	}
}

// lookupTimeout bounds one read of a document's texts: the evidence of a
// suggestion waits for it.
const lookupTimeout = 5 * time.Second

// lookup reads the document id from the cache or the store, as the index
// holds it: the index says which kind it is. false for a document the index
// or the store does not hold.
func (m *Matching) lookup(id string) (matcher.Doc, bool) {
	if d, ok := m.texts.docs.Get(id); ok {
		return d, true
	}
	kind, ok := m.ix.KindOf(id)
	if !ok {
		return matcher.Doc{}, false
	}
	gen := m.texts.gen.Load()
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	d, err := m.read(ctx, kind, id)
	if err != nil {
		if !errors.Is(err, profiles.ErrNotFound) {
			m.log.Warn("reading a document's texts for the match index", "id", id, "error", err)
		}
		return matcher.Doc{}, false
	}
	m.texts.addRead(id, d, gen)
	return d, true
}

// read reads the document id of kind from the store, as the index holds it.
func (m *Matching) read(ctx context.Context, kind matcher.Kind, id string) (matcher.Doc, error) {
	switch kind {
	case matcher.KindPractice:
		p, err := m.store.FindPracticeByID(ctx, id)
		if err != nil {
			return matcher.Doc{}, err
		}
		return practiceDoc(p, m.city(p.CityID)), nil
	case matcher.KindChallenge:
		ch, err := m.store.FindChallengeByID(ctx, id)
		if err != nil {
			return matcher.Doc{}, err
		}
		return challengeDoc(ch, m.city(ch.CityID)), nil
	}
	e, err := m.store.FindExpertByID(ctx, id)
	if err != nil {
		return matcher.Doc{}, err
	}
	ids := []string{id}
	loads, err := m.store.ExpertLoads(ctx, ids)
	if err != nil {
		return matcher.Doc{}, err
	}
	fb, err := m.store.FeedbackOf(ctx, ids)
	if err != nil {
		return matcher.Doc{}, err
	}
	return m.expertDoc(e, loads[id], fb[id]), nil
}

// upsert puts d in the index and keeps the cache of texts current.
func (m *Matching) upsert(d matcher.Doc) error {
	if err := m.ix.Upsert(d); err != nil {
		return err
	}
	m.texts.wrote(d.ID, &d)
	return nil
}

// remove takes the document id out of the index and of the cache of texts.
func (m *Matching) remove(id string) {
	m.ix.Delete(id)
	m.texts.wrote(id, nil)
}
