package workflow

import (
	"slices"
	"time"
)

// position is how far a follower has read the change feed. Positions are
// given when a change is recorded and commit in any order, so reading "after
// the highest seen" alone would skip a change that commits late: the numbers
// missing below the highest are kept and read again until they appear or are
// older than the horizon (then they were rolled back).
type position struct {
	high int64
	// missing maps each number below high not yet applied to when it was
	// first found missing.
	missing map[int64]time.Time
}

// low returns the position at or below which every change is applied.
func (p *position) low() int64 {
	low := p.high
	for seq := range p.missing {
		low = min(low, seq-1)
	}
	return low
}

// applied reports whether the change at seq is in the index.
func (p *position) applied(seq int64) bool {
	if seq > p.high {
		return false
	}
	_, waiting := p.missing[seq]
	return !waiting
}

// advance records that the change at seq was applied at now.
func (p *position) advance(seq int64, now time.Time) {
	if seq <= p.high {
		delete(p.missing, seq)
		return
	}
	if p.missing == nil {
		p.missing = map[int64]time.Time{}
	}
	for s := p.high + 1; s < seq; s++ {
		p.missing[s] = now
	}
	p.high = seq
}

// retry keeps seq, found but not applied, from expiring.
func (p *position) retry(seq int64, now time.Time) {
	if _, ok := p.missing[seq]; ok {
		p.missing[seq] = now
	}
}

// expire forgets the missing numbers first found before cutoff: no write
// transaction lasts that long, so they will never commit.
func (p *position) expire(cutoff time.Time) int {
	n := 0
	for seq, since := range p.missing {
		if since.Before(cutoff) {
			delete(p.missing, seq)
			n++
		}
	}
	return n
}

// waiting returns the missing numbers in order, for the next read.
func (p *position) waiting() []int64 {
	out := make([]int64, 0, len(p.missing))
	for seq := range p.missing {
		out = append(out, seq)
	}
	slices.Sort(out)
	return out
}

// startAt is the position of an index built from a scan that began after
// last was the head of the feed, with recent the positions committed since a
// horizon before: the numbers between them that are missing may still commit.
func startAt(last int64, recent []int64, now time.Time) position {
	p := position{high: last, missing: map[int64]time.Time{}}
	if len(recent) == 0 {
		return p
	}
	i := 0
	for s := recent[0]; s <= last; s++ {
		for i < len(recent) && recent[i] < s {
			i++
		}
		if i < len(recent) && recent[i] == s {
			continue
		}
		p.missing[s] = now
	}
	return p
}
