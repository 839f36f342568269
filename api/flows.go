package api

import (
	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/workflow"
)

// matchingIndex gives the workflows what they need of the match index that
// follows the store.
type matchingIndex struct{ m *Matching }

var _ workflow.Index = matchingIndex{}

func (x matchingIndex) Index() *matcher.Index { return x.m.Index() }

func (x matchingIndex) CityRegion(id string) string { return x.m.city(id).region }

func (x matchingIndex) CountryRegion(country string) string { return x.m.region(country) }

func (x matchingIndex) ChallengeDoc(ch profiles.Challenge) matcher.Doc {
	return challengeDoc(ch, x.m.city(ch.CityID))
}

// NewWorkflows returns the workflows over cfg's store and the match index m keeps.
func NewWorkflows(cfg workflow.Config, m *Matching) (*workflow.Workflows, error) {
	cfg.Index = matchingIndex{m}
	return workflow.New(cfg)
}
