package workflow

import (
	"context"
	"sync"
	"time"

	"matchmaker/profiles"
)

// roundJobs runs review rounds in the background of this process, one at a
// time.
type roundJobs struct {
	ctx  context.Context
	wg   sync.WaitGroup
	slot chan struct{}
}

// StartRounds starts the worker that runs review rounds until ctx ends, and
// resumes the rounds left queued or running.
func (w *Workflows) StartRounds(ctx context.Context) {
	w.jobs = &roundJobs{ctx: ctx, slot: make(chan struct{}, 1)}
	rs, err := w.store.RoundsToResume(ctx)
	if err != nil {
		w.log.Error("review rounds not resumed", "error", err)
		return
	}
	for _, r := range rs {
		w.log.Info("resuming review round", "round", r.ID, "name", r.Name)
		w.startRound(r.ID)
	}
}

// enqueueRound stores a new round and hands it to the worker.
func (w *Workflows) enqueueRound(ctx context.Context, r profiles.ReviewRound) (profiles.ReviewRound, error) {
	out, err := w.store.CreateRound(ctx, r)
	if err != nil {
		return out, err
	}
	if w.jobs != nil {
		w.startRound(out.ID)
	}
	return out, nil
}

func (w *Workflows) startRound(id string) {
	j := w.jobs
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		select {
		case j.slot <- struct{}{}:
		case <-j.ctx.Done():
			return
		}
		defer func() { <-j.slot }()
		if err := w.RunRound(j.ctx, id); err != nil {
			if j.ctx.Err() != nil {
				w.log.Info("review round interrupted", "round", id)
				return
			}
			w.log.Error("review round failed", "round", id, "error", err)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if uerr := w.store.UpdateRoundProgress(ctx, id, profiles.RoundFailed, 0, "the round could not be assembled: "+err.Error()); uerr != nil {
				w.log.Error("review round state not saved", "round", id, "error", uerr)
			}
		}
	}()
}
