package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"matchmaker/locale"
	"matchmaker/matcher"
	"matchmaker/profiles"
)

// Matching is the in-memory match index and how it is kept in step with the
// store: built from every row, then brought up to date one change at a time by
// the Follower that reads the change feed.
type Matching struct {
	store *profiles.Store
	ix    *matcher.Index
	log   *slog.Logger

	mu     sync.RWMutex
	cities map[string]cityContext
	// regions gives the region of a country from the network's cities, for
	// experts with no affiliated city.
	regions map[string]string
	// buildTook is how long the last Build took, from the first read to the
	// index ready.
	buildTook time.Duration

	reasons *Reasons

	// texts, when the index reads its documents' texts through a lookup
	// (NewMatchingOnStore), keeps the most recently read ones.
	texts *docCache
}

// NewMatching returns a matching layer over store with an empty index; Build fills it.
func NewMatching(store *profiles.Store, analyzer *matcher.Analyzer, log *slog.Logger, opts ...matcher.Option) *Matching {
	m := newMatching(store, log)
	m.ix = matcher.NewIndex(analyzer, opts...)
	return m
}

func newMatching(store *profiles.Store, log *slog.Logger) *Matching {
	if log == nil {
		log = slog.Default()
	}
	m := &Matching{store: store, log: log, cities: map[string]cityContext{}, regions: map[string]string{}}
	// The catalogue is embedded and checked by the locale package's tests.
	m.reasons = NewReasons(locale.MustLoad(), store.Taxonomy(), m.CityName)
	return m
}

// StoreTexts says how an index that keeps no text (NewMatchingOnStore) reads
// them from the store.
type StoreTexts struct {
	// CacheDocs is how many documents, the most recently read, are kept
	// (DefaultCacheDocs when 0): the evidence of a suggestion list reads
	// the texts of its ten results, and the same documents come back.
	CacheDocs int
	// Fallback, when not nil, is asked first for a document's texts, and
	// the store only when it has none (the synthetic documents of the load
	// test and the benchmarks, which are not rows).
	Fallback func(id string) (matcher.Doc, bool)
}

// DefaultCacheDocs is how many documents' texts NewMatchingOnStore keeps by
// default: about 20 MB of texts, against the 130 MB the index itself takes at
// 100,000 documents.
const DefaultCacheDocs = 10_000

// NewMatchingOnStore is NewMatching with an index that keeps no text: it
// reads the texts of a document from the store when it needs them (the
// evidence of the results, a challenge asked about by ID), through a cache
// of the most recent ones that the follower's writes keep current. This is
// how the index stays under 1.5 KB a document (see docs/benchmarks.md).
func NewMatchingOnStore(store *profiles.Store, analyzer *matcher.Analyzer, log *slog.Logger, texts StoreTexts, opts ...matcher.Option) *Matching {
	m := newMatching(store, log)
	n := texts.CacheDocs
	if n <= 0 {
		n = DefaultCacheDocs
	}
	m.texts = newDocCache(n)
	lookup := m.lookup
	if texts.Fallback != nil {
		lookup = func(id string) (matcher.Doc, bool) {
			if d, ok := texts.Fallback(id); ok {
				return d, true
			}
			return m.lookup(id)
		}
	}
	m.ix = matcher.NewIndex(analyzer, append(slices.Clone(opts), matcher.WithLookup(lookup))...)
	return m
}

// Reasons returns what puts the index's explanations in words, with the
// network's theme labels and city names.
func (m *Matching) Reasons() *Reasons { return m.reasons }

// Index returns the match index.
func (m *Matching) Index() *matcher.Index { return m.ix }

// Build reads every city, practice, challenge and expert from the store and builds
// the index from them, logging its progress.
func (m *Matching) Build(ctx context.Context) error {
	start := time.Now()
	cities := map[string]cityContext{}
	if err := m.store.ScanCities(ctx, profiles.CityFilter{}, func(batch []profiles.City) error {
		for _, c := range batch {
			cities[c.ID] = contextOf(c)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("build index: %w", err)
	}
	m.mu.Lock()
	m.cities = cities
	m.regions = regionsOf(cities)
	m.mu.Unlock()

	loads, err := m.store.ExpertLoads(ctx, nil)
	if err != nil {
		return fmt.Errorf("build index: %w", err)
	}
	feedback, err := m.store.FeedbackOf(ctx, nil)
	if err != nil {
		return fmt.Errorf("build index: %w", err)
	}

	var docs []matcher.Doc
	if err := m.store.ScanPractices(ctx, profiles.PracticeFilter{}, func(batch []profiles.Practice) error {
		for _, p := range batch {
			docs = append(docs, practiceDoc(p, m.city(p.CityID)))
		}
		return nil
	}); err != nil {
		return fmt.Errorf("build index: %w", err)
	}
	if err := m.store.ScanChallenges(ctx, profiles.ChallengeFilter{}, func(batch []profiles.Challenge) error {
		for _, c := range batch {
			docs = append(docs, challengeDoc(c, m.city(c.CityID)))
		}
		return nil
	}); err != nil {
		return fmt.Errorf("build index: %w", err)
	}
	if err := m.store.ScanExperts(ctx, profiles.ExpertFilter{}, func(batch []profiles.Expert) error {
		for _, e := range batch {
			docs = append(docs, m.expertDoc(e, loads[e.ID], feedback[e.ID]))
		}
		return nil
	}); err != nil {
		return fmt.Errorf("build index: %w", err)
	}
	m.log.Info("building the match index", "documents", len(docs), "cities", len(cities), "read_ms", millis(time.Since(start)))
	next := 0
	err = m.ix.Build(docs, func(done, total int) {
		if total > 0 && done*10 >= next*total {
			m.log.Info("match index progress", "done", done, "total", total, "percent", done*100/total)
			next = done*10/total + 1
		}
	})
	if err != nil {
		return err
	}
	took := time.Since(start)
	m.mu.Lock()
	m.buildTook = took
	m.mu.Unlock()
	m.log.Info("match index ready", "documents", m.ix.Len(), "took_ms", millis(took))
	return nil
}

// BuildDuration is how long the last Build took (zero before the first).
func (m *Matching) BuildDuration() time.Duration {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.buildTook
}

// millis is a duration in milliseconds, with a microsecond's precision, as
// the logs give durations: a number, with the unit in the key ("took_ms").
func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// CityName returns the name of the city with id, as the index knows it, or ""
// for a city it does not know.
func (m *Matching) CityName(id string) string { return m.city(id).name }

// Name returns the name of the practice, challenge or expert with id as the
// index knows it (what its lists show), or false for one it does not hold.
func (m *Matching) Name(id string) (string, bool) { return m.ix.Name(id) }

// CityRegion returns the region of the city with id, as the index knows it, or
// "" for a city it does not know.
func (m *Matching) CityRegion(id string) string { return m.city(id).region }

// CountryRegion returns the region most of the network's cities in country are in, or "".
func (m *Matching) CountryRegion(country string) string { return m.region(country) }

// ChallengeDoc converts a challenge as the index would hold it, with what it
// inherits from its city, for a query on a challenge that differs from the
// stored one.
func (m *Matching) ChallengeDoc(c profiles.Challenge) matcher.Doc {
	return challengeDoc(c, m.city(c.CityID))
}

func (m *Matching) city(id string) cityContext {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.cities[id]
}

// region is the region of a country, from the network's cities.
func (m *Matching) region(country string) string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.regions[country]
}

// expertDoc converts an expert with the engagements they have under way (load)
// and those they completed (fb).
func (m *Matching) expertDoc(e profiles.Expert, load int, fb profiles.Feedback) matcher.Doc {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var city *cityContext
	if e.CityID != nil {
		if c, ok := m.cities[*e.CityID]; ok {
			city = &c
		}
	}
	d := expertDoc(e, city, load, fb)
	if d.Region == "" {
		d.Region = m.regions[e.Country]
	}
	return d
}

// regionsOf gives each country the region most of its cities are in.
func regionsOf(cities map[string]cityContext) map[string]string {
	counts := map[string]map[string]int{}
	for _, c := range cities {
		if counts[c.country] == nil {
			counts[c.country] = map[string]int{}
		}
		counts[c.country][c.region]++
	}
	out := make(map[string]string, len(counts))
	for country, byRegion := range counts {
		best := 0
		for region, n := range byRegion {
			if n > best || (n == best && region < out[country]) {
				out[country], best = region, n
			}
		}
	}
	return out
}

// apply brings the index up to date with one committed change. It reads the row
// again, so that the index always ends on the latest committed state whatever
// order changes are applied in, and applying a change twice does no harm.
func (m *Matching) apply(ctx context.Context, c profiles.Change) error {
	if c.Kind == "city" {
		return m.applyCity(ctx, c)
	}
	if c.Deleted {
		m.remove(c.ID)
		return nil
	}
	var d matcher.Doc
	switch c.Kind {
	case "practice":
		p, err := m.store.FindPracticeByID(ctx, c.ID)
		if err != nil {
			return m.gone(c.ID, err)
		}
		d = practiceDoc(p, m.city(p.CityID))
	case "challenge":
		ch, err := m.store.FindChallengeByID(ctx, c.ID)
		if err != nil {
			return m.gone(c.ID, err)
		}
		d = challengeDoc(ch, m.city(ch.CityID))
	case "expert":
		e, err := m.store.FindExpertByID(ctx, c.ID)
		if err != nil {
			return m.gone(c.ID, err)
		}
		ids := []string{c.ID}
		loads, err := m.store.ExpertLoads(ctx, ids)
		if err != nil {
			return err
		}
		fb, err := m.store.FeedbackOf(ctx, ids)
		if err != nil {
			return err
		}
		d = m.expertDoc(e, loads[c.ID], fb[c.ID])
	default:
		return nil
	}
	return m.upsert(d)
}

// gone removes a row that was deleted between its write and this read.
func (m *Matching) gone(id string, err error) error {
	if errors.Is(err, profiles.ErrNotFound) {
		m.remove(id)
		return nil
	}
	return err
}

// applyCity refreshes what the city's documents inherit from it: country, region,
// size and working languages. A change that leaves all of them as the index
// has them reads no document again.
func (m *Matching) applyCity(ctx context.Context, c profiles.Change) error {
	if c.Deleted {
		m.mu.Lock()
		delete(m.cities, c.ID)
		m.regions = regionsOf(m.cities)
		m.mu.Unlock()
		return nil
	}
	city, err := m.store.FindCityByID(ctx, c.ID)
	if err != nil {
		if errors.Is(err, profiles.ErrNotFound) {
			return nil
		}
		return err
	}
	now := contextOf(city)
	m.mu.Lock()
	was, known := m.cities[c.ID]
	m.cities[c.ID] = now
	if !known || was.country != now.country || was.region != now.region {
		m.regions = regionsOf(m.cities)
	}
	m.mu.Unlock()
	// When the index holds the city's documents as they are (a new name, a
	// population in the same size class), reading them all again from the
	// store only to find them unchanged was most of what a city PATCH cost.
	// The texts kept for them carry the population: those of an index that
	// reads its texts through the cache are brought up to date here, while
	// an index that keeps its documents gets them again.
	if known && sameInheritance(was, now) && (m.texts != nil || was.population == now.population) {
		if was.population != now.population {
			m.texts.cityPopulation(c.ID, now.population)
		}
		return nil
	}
	// A city the index has not seen is most often a new one, with no row to
	// read yet: one statement says so, where the three reads below would
	// each be planned and run for nothing. A row written after it is
	// applied later, and finds the city known.
	if !known {
		holds, err := m.store.CityHolds(ctx, c.ID)
		if err != nil || !holds {
			return err
		}
	}
	if err := m.store.ScanPractices(ctx, profiles.PracticeFilter{CityID: c.ID}, func(batch []profiles.Practice) error {
		for _, p := range batch {
			if err := m.upsert(practiceDoc(p, m.city(p.CityID))); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := m.store.ScanChallenges(ctx, profiles.ChallengeFilter{CityID: c.ID}, func(batch []profiles.Challenge) error {
		for _, ch := range batch {
			if err := m.upsert(challengeDoc(ch, m.city(ch.CityID))); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return m.store.ScanExperts(ctx, profiles.ExpertFilter{CityID: c.ID}, func(batch []profiles.Expert) error {
		ids := make([]string, len(batch))
		for i, e := range batch {
			ids[i] = e.ID
		}
		loads, err := m.store.ExpertLoads(ctx, ids)
		if err != nil {
			return err
		}
		fb, err := m.store.FeedbackOf(ctx, ids)
		if err != nil {
			return err
		}
		for _, e := range batch {
			if err := m.upsert(m.expertDoc(e, loads[e.ID], fb[e.ID])); err != nil {
				return err
			}
		}
		return nil
	})
}

// sameInheritance reports whether the documents of a city that was a and is
// now b are indexed alike: they inherit its country, region and working
// languages, and of its population only the size class (the name is read
// from the city when an answer is put in words).
func sameInheritance(a, b cityContext) bool {
	return a.country == b.country && a.region == b.region && slices.Equal(a.languages, b.languages) &&
		matcher.SizeClass(a.population) == matcher.SizeClass(b.population)
}
