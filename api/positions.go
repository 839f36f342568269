package api

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
)

// PositionHeader carries a consistency token: the change-feed position a write
// reached, returned on every write answer, and accepted by the reads the match
// index answers, which then wait for this replica's index to reach it.
const PositionHeader = "Matchmaker-Position"

// indexWait bounds how long a read waits for the index to reach a client's
// position, and how long a write answer waits for this replica's own index to
// hold the write.
const indexWait = 2 * time.Second

// positions gives every write answer the feed position of its write, once this
// replica's index holds it (waiting up to indexWait), so that a read on this
// replica right after the answer sees the write, and a read on another replica
// can ask for it with the header. A write that changed nothing the index holds
// answers the position this replica's index is at.
func (s *Server) positions(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		ctx, w := profiles.TrackWrites(c.Request().Context())
		c.SetRequest(c.Request().WithContext(ctx))
		c.Response().Before(func() {
			seq := w.Position()
			if seq == 0 && c.Response().Header().Get(PositionHeader) != "" {
				return // a stored answer replayed: it keeps the position of its write
			}
			if seq == 0 {
				seq = s.follower.Status().Position
			} else {
				wctx, cancel := context.WithTimeout(ctx, indexWait)
				// On a timeout the answer goes anyway: the header lets the
				// client ask for the write later.
				_ = s.follower.WaitFor(wctx, seq)
				cancel()
			}
			c.Response().Header().Set(PositionHeader, strconv.FormatInt(seq, 10))
		})
		return next(c)
	}
}

// consistent makes a read of the index honour the client's Matchmaker-Position:
// it waits up to indexWait for this replica's index to reach it, and answers 503
// with Retry-After otherwise, never a silently stale answer.
func (s *Server) consistent(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		raw := c.Request().Header.Get(PositionHeader)
		if raw == "" || s.follower == nil {
			return h(c)
		}
		seq, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || seq < 0 {
			return newProblem(http.StatusBadRequest, say("%s must be the position a write answer returned: a whole number", PositionHeader))
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), indexWait)
		defer cancel()
		if err := s.follower.WaitFor(ctx, seq); err != nil {
			st := s.follower.Status()
			retry := int(math.Ceil(st.Lag.Seconds()))
			retry = min(max(retry, 1), 30)
			c.Response().Header().Set("Retry-After", strconv.Itoa(retry))
			c.Response().Header().Set(PositionHeader, strconv.FormatInt(st.Position, 10))
			return newProblem(http.StatusServiceUnavailable, say(
				"this replica's match index is at position %d, not yet at %d (it last read the whole change feed %s ago): try again in %d s, or on another replica",
				st.Position, seq, st.Lag.Round(time.Millisecond).String(), retry))
		}
		return h(c)
	}
}
