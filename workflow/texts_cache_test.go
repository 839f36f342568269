package workflow

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"sync"
	"testing"

	"matchmaker/matcher"
)

// TestDocCacheByCityIsExact writes, reads, deletes, moves documents between
// cities and changes cities' populations from several goroutines at once on a
// cache too small for them, so that evictions run all the time; then the
// cache's index by city must name exactly the documents it keeps, each under
// its own city, and every document of a city must carry the city's last
// population. (An ID left under an old city, or evicted and still named, was
// possible when the index was kept apart from the cache's own changes.)
func TestDocCacheByCityIsExact(t *testing.T) {
	const (
		docs    = 40
		cities  = 4
		workers = 8
		rounds  = 3000
	)
	c := newDocCache(16)
	// Each city's population is only ever raised, by one goroutine at a
	// time per city, so that the last one is known.
	var popMu [cities]sync.Mutex
	var pop [cities]int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for range rounds {
				id := fmt.Sprintf("doc-%02d", rng.IntN(docs))
				city := rng.IntN(cities)
				cityID := fmt.Sprintf("city-%d", city)
				switch r := rng.IntN(10); {
				case r < 4:
					popMu[city].Lock()
					d := matcher.Doc{ID: id, CityID: cityID, Population: pop[city]}
					c.wrote(id, &d)
					popMu[city].Unlock()
				case r < 7:
					gen := c.gen.Load()
					popMu[city].Lock()
					d := matcher.Doc{ID: id, CityID: cityID, Population: pop[city]}
					popMu[city].Unlock()
					c.addRead(id, d, gen)
				case r < 9:
					c.wrote(id, nil)
				default:
					popMu[city].Lock()
					pop[city]++
					c.cityPopulation(cityID, pop[city])
					popMu[city].Unlock()
				}
			}
		}()
	}
	wg.Wait()

	kept := map[string]map[string]struct{}{}
	for _, id := range c.docs.Keys() {
		d, ok := c.docs.Peek(id)
		if !ok {
			t.Fatalf("%s listed but not kept", id)
		}
		if kept[d.CityID] == nil {
			kept[d.CityID] = map[string]struct{}{}
		}
		kept[d.CityID][id] = struct{}{}
		var city int
		fmt.Sscanf(d.CityID, "city-%d", &city)
		if d.Population != pop[city] {
			t.Errorf("%s of %s kept with population %d, the city's is %d", id, d.CityID, d.Population, pop[city])
		}
	}
	if !maps.EqualFunc(kept, c.byCity, func(a, b map[string]struct{}) bool { return maps.Equal(a, b) }) {
		t.Errorf("the index by city names %v; the cache keeps %v", c.byCity, kept)
	}
}

// TestDocCacheReadThatRacedAChangeAddsNothing: a read that started before a delete
// of its document, a change of the city's population or a write of its
// document (evicted since), and ends after it, does not put what it read in
// the cache.
func TestDocCacheReadThatRacedAChangeAddsNothing(t *testing.T) {
	c := newDocCache(16)
	d := matcher.Doc{ID: "p1", CityID: "c1", Population: 1000}
	c.wrote("p1", &d)

	gen := c.gen.Load()
	c.wrote("p1", nil)
	c.addRead("p1", d, gen)
	if _, ok := c.docs.Peek("p1"); ok {
		t.Error("a read that raced the delete put the deleted document back")
	}

	c.wrote("p2", &matcher.Doc{ID: "p2", CityID: "c1", Population: 1000})
	gen = c.gen.Load()
	c.wrote("p2", nil)
	c.cityPopulation("c1", 2000)
	c.addRead("p2", matcher.Doc{ID: "p2", CityID: "c1", Population: 1000}, gen)
	if _, ok := c.docs.Peek("p2"); ok {
		t.Error("a read that raced the city's change put the old population back")
	}

	small := newDocCache(1)
	gen = small.gen.Load()
	small.wrote("p4", &matcher.Doc{ID: "p4", CityID: "c1", Population: 2000})
	small.wrote("p5", &matcher.Doc{ID: "p5", CityID: "c1", Population: 2000}) // evicts p4
	small.addRead("p4", matcher.Doc{ID: "p4", CityID: "c1", Population: 1000}, gen)
	if d, ok := small.docs.Peek("p4"); ok {
		t.Errorf("a read that raced a write of its document put the older version back: %+v", d)
	}

	gen = c.gen.Load()
	c.addRead("p3", matcher.Doc{ID: "p3", CityID: "c2"}, gen)
	if _, ok := c.docs.Peek("p3"); !ok {
		t.Error("a read with nothing after it was not kept")
	}
	if _, ok := c.byCity["c2"]["p3"]; !ok {
		t.Errorf("the index by city misses p3: %v", c.byCity)
	}
}
