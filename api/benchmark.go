package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"matchmaker/workflow"
)

// Peer-review scoring: panel members score the reviewed city on the round's
// rubric, and the round's benchmark compares the cities.

// scoreRequest is one panel member's scores of the reviewed city.
type scoreRequest struct {
	ChallengeID string       `json:"challenge_id"`
	ExpertID    string       `json:"expert_id"`
	Scores      []scoreEntry `json:"scores"`
}

type scoreEntry struct {
	Criterion string `json:"criterion"`
	Value     int    `json:"value"`
	Comment   string `json:"comment,omitempty"`
}

func (s *Server) saveScores(c echo.Context) error {
	var req scoreRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	sheet := workflow.ScoreSheet{ChallengeID: req.ChallengeID, ExpertID: req.ExpertID}
	for _, e := range req.Scores {
		sheet.Scores = append(sheet.Scores, workflow.Score{Criterion: e.Criterion, Value: e.Value, Comment: e.Comment})
	}
	mine, err := s.flows.SaveScores(c.Request().Context(), c.Param("id"), sheet)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, wholeList(mine))
}

func (s *Server) roundBenchmark(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	view, err := s.flows.RoundBenchmark(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, view)
}
