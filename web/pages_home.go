package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
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
// and counting on every visit of the home page would cost a query per
// region and kind.
type networkCache struct {
	mu    sync.Mutex
	at    time.Time
	stats networkStats
}

func (s *Server) network(ctx context.Context) (networkStats, error) {
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	if !s.net.at.IsZero() && time.Since(s.net.at) < time.Minute {
		return s.net.stats, nil
	}
	var st networkStats
	one := profiles.Page{Limit: 1}
	for _, r := range profiles.Regions {
		cs, err := s.store.FindCities(ctx, profiles.CityFilter{Region: r, Page: one})
		if err != nil {
			return st, err
		}
		none := ""
		ps, err := s.store.FindPractices(ctx, profiles.PracticeFilter{Region: r, DraftsOf: &none, Page: one})
		if err != nil {
			return st, err
		}
		xs, err := s.store.FindExperts(ctx, profiles.ExpertFilter{Region: r, Page: one})
		if err != nil {
			return st, err
		}
		rc := regionCount{Region: r, Cities: cs.Total, Practices: ps.Total, Experts: xs.Total}
		st.Regions = append(st.Regions, rc)
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
