package matcher

import (
	"strings"
	"sync"
)

// DefaultCacheWords is the number of words per language whose analysis an
// Analyzer made by NewAnalyzer remembers. The vocabulary of a large corpus of
// municipal texts is a few tens of thousands of words a language, so the
// cache holds the working set; at about 100 bytes a word the three caches
// stay under 20 MB.
const DefaultCacheWords = 65536

// cacheShards spreads the words over independently locked maps, so that
// concurrent Analyze calls rarely wait on the same lock.
const cacheShards = 32

// termCache remembers the analysis of words of one language: the Snowball
// stemmer costs about a microsecond a word, a map lookup a few tens of
// nanoseconds, and texts reuse the same few thousand words.
//
// It is bounded: a full shard forgets one word at random (Go's map iteration
// order) for each word it learns, which keeps the frequent words, since they
// come straight back, without the bookkeeping of an LRU list on every read.
type termCache struct {
	perShard int
	shards   [cacheShards]cacheShard
}

type cacheShard struct {
	mu sync.RWMutex
	m  map[string]cacheEntry
	_  [32]byte // pads the shard to 64 bytes: each lock on its own cache line
}

// cacheEntry is the analysis of one lower-cased word.
type cacheEntry struct {
	term string
	stop bool
}

func newTermCache(words int) *termCache {
	c := &termCache{perShard: max(1, words/cacheShards)}
	for i := range c.shards {
		c.shards[i].m = make(map[string]cacheEntry)
	}
	return c
}

// shard picks the shard of a word from its length and three of its bytes:
// enough to spread words evenly over a few dozen shards, at a fraction of
// the cost of hashing the whole word (the map hashes it again anyway).
func (c *termCache) shard(key string) *cacheShard {
	h := uint(len(key))
	if n := len(key); n > 0 {
		h = h*31 + uint(key[0])
		h = h*31 + uint(key[n/2])
		h = h*31 + uint(key[n-1])
	}
	return &c.shards[h%cacheShards]
}

func (c *termCache) get(key string) (cacheEntry, bool) {
	sh := c.shard(key)
	sh.mu.RLock()
	e, ok := sh.m[key]
	sh.mu.RUnlock()
	return e, ok
}

func (c *termCache) put(key string, e cacheEntry) {
	// The key may be a slice of a large text: copy it, so that the cache
	// does not keep whole texts alive.
	key = strings.Clone(key)
	sh := c.shard(key)
	sh.mu.Lock()
	if len(sh.m) >= c.perShard {
		for k := range sh.m {
			delete(sh.m, k)
			break
		}
	}
	sh.m[key] = e
	sh.mu.Unlock()
}

// len returns the number of words cached.
func (c *termCache) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}
