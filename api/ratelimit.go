package api

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"matchmaker/profiles"
)

// Rate limits hold for the whole deployment: each replica enforces its share of
// them, the limit divided by the number of live replicas. A replica counts the
// live ones from the change feed's followers (every serving process follows
// the feed and records its position every few seconds), so a replica that
// starts or dies moves every replica's share within seconds. Behind a load
// balancer that spreads a client's requests over the replicas, the client
// gets about the configured limit in all; one that sticks to a replica gets
// its share there.

// replicaCount is the number of live replicas a limiter divides by: at least 1.
type replicaCount struct{ n atomic.Int32 }

func (r *replicaCount) get() int {
	return max(1, int(r.n.Load()))
}

// liveWithin is how recently a replica's follower must have recorded its
// position to count as live: a few of its save periods.
const liveWithin = 30 * time.Second

// refresh reads the count from the store; on an error the last count stays.
func (r *replicaCount) refresh(ctx context.Context, store *profiles.Store) {
	if n, err := store.LiveFollowers(ctx, time.Now().Add(-liveWithin)); err == nil {
		r.n.Store(int32(n))
	}
}

// follow refreshes the count every period until ctx ends.
func (r *replicaCount) follow(ctx context.Context, store *profiles.Store, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.refresh(ctx, store)
		}
	}
}

// sharedLimiter is an echo rate limiter store whose rate and burst are a
// replica's share of the deployment's.
type sharedLimiter struct {
	limit    float64
	burst    int
	replicas *replicaCount

	mu       sync.Mutex
	visitors map[string]*visitor
	swept    time.Time
}

type visitor struct {
	*rate.Limiter
	seen time.Time
}

// visitorTTL is how long an idle client's allowance is remembered.
const visitorTTL = 3 * time.Minute

func newSharedLimiter(limit float64, burst int, replicas *replicaCount) *sharedLimiter {
	return &sharedLimiter{limit: limit, burst: burst, replicas: replicas, visitors: map[string]*visitor{}, swept: time.Now()}
}

// share is this replica's rate and burst.
func (l *sharedLimiter) share() (rate.Limit, int) {
	n := l.replicas.get()
	return rate.Limit(l.limit / float64(n)), max(1, l.burst/n)
}

// Allow implements middleware.RateLimiterStore.
func (l *sharedLimiter) Allow(id string) (bool, error) {
	lim, burst := l.share()
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.visitors[id]
	if !ok {
		v = &visitor{Limiter: rate.NewLimiter(lim, burst)}
		l.visitors[id] = v
	} else if v.Limit() != lim || v.Burst() != burst {
		v.SetLimitAt(now, lim)
		v.SetBurstAt(now, burst)
	}
	v.seen = now
	if now.Sub(l.swept) > visitorTTL {
		for k, x := range l.visitors {
			if now.Sub(x.seen) > visitorTTL {
				delete(l.visitors, k)
			}
		}
		l.swept = now
	}
	return v.AllowN(now, 1), nil
}
