package profiles

// Principal is who makes a request, whatever door it came through: an API key
// and a person signed in on the pages both become one. The rules of who may
// see and change what are methods of Principal, so that the JSON API and the
// pages apply the same policy, not two copies of it. A nil *Principal is an
// anonymous reader; every method answers for it.
type Principal struct {
	// Role is one of KeyRoles (a person's role is one of UserRoles).
	Role string
	// CityID is the city a city principal speaks for.
	CityID string
	// ExpertID is the expert profile an expert principal is.
	ExpertID string
	// Scope is an integration key's scope.
	Scope string
}

// Principal is the key as a principal; nil for a nil key.
func (k *APIKey) Principal() *Principal {
	if k == nil {
		return nil
	}
	return &Principal{Role: k.Role, CityID: k.CityID, ExpertID: k.ExpertID, Scope: k.Scope}
}

// IsAdmin reports whether p is an admin.
func (p *Principal) IsAdmin() bool { return p != nil && p.Role == RoleAdmin }

// IsStaff reports whether p works for the network: the secretariat or an
// admin, who may read and change every profile and proposal.
func (p *Principal) IsStaff() bool {
	return p != nil && (p.Role == RoleAdmin || p.Role == RoleSecretariat)
}

// OwnsCity reports whether p speaks for city id: a city principal of that
// city. A practice's or a challenge's owner is the principal that owns its city.
func (p *Principal) OwnsCity(id string) bool {
	return p != nil && p.Role == RoleCity && id != "" && p.CityID == id
}

// OwnsExpert reports whether p is expert id.
func (p *Principal) OwnsExpert(id string) bool {
	return p != nil && p.Role == RoleExpert && id != "" && p.ExpertID == id
}

// MayEditCity reports whether p may change city id's profile, practices and
// challenges: the staff, and the city itself.
func (p *Principal) MayEditCity(id string) bool { return p.IsStaff() || p.OwnsCity(id) }

// MayEditExpert reports whether p may change expert id's profile.
func (p *Principal) MayEditExpert(id string) bool { return p.IsStaff() || p.OwnsExpert(id) }

// PartyTo reports whether p, a city or an expert, is a party to proposal pr:
// the city of its challenge, or a partner city or an expert it was sent to.
// The staff are no party: they see every proposal by their role.
func (p *Principal) PartyTo(pr Proposal) bool {
	if p == nil {
		return false
	}
	switch p.Role {
	case RoleCity:
		if p.CityID != "" && pr.CityID == p.CityID {
			return true
		}
		return SentToPartner(pr, p.CityID)
	case RoleExpert:
		// Only what was sent to them: a panel still being edited, and the
		// reserve, are the secretariat's.
		return SentToExpert(pr, p.ExpertID)
	}
	return false
}

// MaySeeProposal reports whether p may read proposal pr.
func (p *Principal) MaySeeProposal(pr Proposal) bool {
	return p.IsStaff() || (p != nil && p.Role == RoleIntegration) || p.PartyTo(pr)
}

// MayAnswerFor reports whether p may answer an invitation for seat memberID:
// an expert for their own seat, a city for its seat as a partner.
func (p *Principal) MayAnswerFor(memberID string) bool {
	return p.OwnsExpert(memberID) || p.OwnsCity(memberID)
}

// MayRecordOutcomeOn reports whether p may try to record an outcome on
// proposal pr: the city of its challenge, or an expert (MayRecordOutcome and
// the store decide the side and the seat).
func (p *Principal) MayRecordOutcomeOn(pr Proposal) bool {
	if p == nil {
		return false
	}
	switch p.Role {
	case RoleExpert:
		return p.ExpertID != ""
	case RoleCity:
		return p.OwnsCity(pr.CityID)
	}
	return p.IsStaff()
}

// MayRecordOutcome reports whether a city or an expert principal may record
// an outcome on side ("city" or "expert") for expertID (the expert side's
// seat): a city records the city's outcome, an expert their own.
func (p *Principal) MayRecordOutcome(side, expertID string) bool {
	if p == nil {
		return false
	}
	switch p.Role {
	case RoleExpert:
		return side == "expert" && p.OwnsExpert(expertID)
	case RoleCity:
		return side == "city"
	}
	return p.IsStaff()
}

// MayScoreAs reports whether p may record review scores as expertID.
func (p *Principal) MayScoreAs(expertID string) bool { return p.IsStaff() || p.OwnsExpert(expertID) }

// DraftsVisible says whose draft practices p may see: a draft is its city's
// and the staff's. Nil means every city's (the secretariat and admin), a
// city's ID its own, and "" none; it is PracticeFilter.DraftsOf.
func (p *Principal) DraftsVisible() *string {
	none := ""
	switch {
	case p == nil:
		return &none
	case p.IsStaff():
		return nil
	case p.Role == RoleCity:
		city := p.CityID
		return &city
	}
	return &none
}

// PracticeVisible reports whether p may see practice pr.
func (p *Principal) PracticeVisible(pr Practice) bool {
	if pr.Status != "draft" {
		return true
	}
	city := p.DraftsVisible()
	return city == nil || *city == pr.CityID
}

// ScopeProposals narrows a proposal filter to what p may list when p is a
// city or an expert: for a city, the proposals of its challenges and the
// pairings where it is the partner; for an expert, those where they hold or
// held a seat.
func (p *Principal) ScopeProposals(f *ProposalFilter) {
	if p == nil {
		return
	}
	switch p.Role {
	case RoleCity:
		f.PartyCityID = p.CityID
	case RoleExpert:
		f.SentToExpertID = p.ExpertID
	}
}

// Counterparts are, for a city or an expert, the cities and experts whose
// contact details they may see: their counterparts in accepted proposals (see
// Store.Counterparts).
type Counterparts struct {
	Cities, Experts map[string]bool
}

// ContactVisible reports whether p may see the contact details of a city (kind
// "city") or an expert (kind "expert") with id: the staff, the person or city
// themself, and the counterpart of an accepted proposal. counterparts is
// called only when the answer depends on them, so that a caller can load them
// once per request.
func (p *Principal) ContactVisible(kind, id string, counterparts func() (Counterparts, error)) (bool, error) {
	if p == nil {
		return false, nil
	}
	switch {
	case p.IsStaff():
		return true, nil
	case p.Role == RoleCity && kind == "city" && p.OwnsCity(id):
		return true, nil
	case p.Role == RoleExpert && kind == "expert" && p.OwnsExpert(id):
		return true, nil
	case p.Role != RoleCity && p.Role != RoleExpert:
		return false, nil
	}
	cp, err := counterparts()
	if err != nil {
		return false, err
	}
	if kind == "city" {
		return cp.Cities[id], nil
	}
	return cp.Experts[id], nil
}
