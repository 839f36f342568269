package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// homeData is the home page's data: the network by region.
type homeData struct {
	Network networkStats
}

// regionCount is one region's row of the network chart.
type regionCount struct {
	Region                     string
	Cities, Practices, Experts int
}

// networkStats counts the network by region, for the chart of the home page.
type networkStats struct {
	Regions []regionCount
	// Max is the largest count, the chart's scale.
	Max                        int
	Cities, Practices, Experts int
}

// networkCache keeps the network's counts for a minute: they change slowly,
// and counting a large network on every visit of the home page would cost
// every visitor the scan of three tables. Once a minute has passed, the
// next visitor starts a new count and is answered with the last one; only
// the very first visit waits for a count.
type networkCache struct {
	mu       sync.Mutex
	at       time.Time
	counting bool
	stats    networkStats
}

// networkMaxAge is how long the network's counts are shown without a new count.
const networkMaxAge = time.Minute

func (s *Server) network(ctx context.Context) (networkStats, error) {
	s.net.mu.Lock()
	if !s.net.at.IsZero() {
		st := s.net.stats
		if time.Since(s.net.at) >= networkMaxAge && !s.net.counting {
			s.net.counting = true
			go func() {
				cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
				defer cancel()
				if _, err := s.countNetwork(cctx); err != nil {
					s.log.Warn("count the network for the home page", "error", err)
				}
			}()
		}
		s.net.mu.Unlock()
		return st, nil
	}
	s.net.mu.Unlock()
	return s.countNetwork(ctx)
}

// Warm counts the network for the home page ahead of its first visit, so
// that no visitor waits for the count: New calls it.
func (s *Server) Warm(ctx context.Context) {
	if _, err := s.countNetwork(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("count the network for the home page", "error", err)
	}
}

// countNetwork counts the network by region and keeps the count.
func (s *Server) countNetwork(ctx context.Context) (networkStats, error) {
	counts, err := s.store.CountByRegion(ctx)
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	s.net.counting = false
	if err != nil {
		return networkStats{}, err
	}
	var st networkStats
	for _, rc := range counts {
		st.Regions = append(st.Regions, regionCount{Region: rc.Region, Cities: rc.Cities, Practices: rc.Practices, Experts: rc.Experts})
		st.Max = max(st.Max, rc.Cities, rc.Practices, rc.Experts)
		st.Cities += rc.Cities
		st.Practices += rc.Practices
		st.Experts += rc.Experts
	}
	s.net.stats, s.net.at = st, time.Now()
	return st, nil
}

func (s *Server) home(c echo.Context) error {
	st, err := s.network(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "home", "web.home.title", homeData{Network: st})
}
