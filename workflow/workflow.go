package workflow

import (
	"encoding/json"
	"log/slog"
	"math"
	"time"

	"matchmaker/locale"
	"matchmaker/matcher"
	"matchmaker/notify"
	"matchmaker/profiles"
)

// english puts the explanation of sg in English words: what a proposal
// stores beside the reasons themselves, which a door may say again in its
// reader's language.
func (w *Workflows) english(sg *matcher.Suggestion) {
	w.reasons.Explain(locale.English, &sg.Explanation)
}

// Index is what the workflows need of the match index that follows the store:
// the index itself and the context a document inherits from its city.
type Index interface {
	// Index returns the current match index.
	Index() *matcher.Index
	// CityRegion returns the region of the city with this ID ("" when unknown).
	CityRegion(cityID string) string
	// CountryRegion returns the region most of a country's cities are in.
	CountryRegion(country string) string
	// ChallengeDoc converts a challenge, as it would be indexed, with its
	// city's context.
	ChallengeDoc(ch profiles.Challenge) matcher.Doc
}

// Config is what the workflows are built from.
type Config struct {
	Store  *profiles.Store
	Index  Index
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Jobs tunes the job workers (review rounds, the outbox).
	Jobs JobConfig
	// Outbox writes the messages of each change in its transaction and
	// delivers them; nil: one over Store that writes emails to the log.
	Outbox *notify.Outbox
}

// Workflows runs the network's workflows over a store and a match index.
type Workflows struct {
	store *profiles.Store
	ix    Index
	log   *slog.Logger
	now   func() time.Time
	jobs  *jobs
	out   *notify.Outbox
	// reasons puts explanations in words: in English in what proposals
	// store and in the rules' errors.
	reasons *Reasons
}

// New returns the workflows over cfg's store and index. Review rounds are
// queued from the start; RunJobs works them.
func New(cfg Config) (*Workflows, error) {
	w := &Workflows{store: cfg.Store, ix: cfg.Index, log: cfg.Logger, now: cfg.Now, out: cfg.Outbox}
	cat, err := locale.Load()
	if err != nil {
		return nil, err
	}
	var cityName func(string) string
	if n, ok := cfg.Index.(interface{ CityName(string) string }); ok {
		cityName = n.CityName
	}
	w.reasons = NewReasons(cat, cfg.Store.Taxonomy(), cityName)
	if w.log == nil {
		w.log = slog.Default()
	}
	if w.now == nil {
		w.now = time.Now
	}
	if w.out == nil {
		out, err := notify.New(notify.Config{Store: cfg.Store, Logger: w.log, Now: cfg.Now})
		if err != nil {
			return nil, err
		}
		w.out = out
	}
	if err := w.newJobs(cfg.Jobs); err != nil {
		return nil, err
	}
	return w, nil
}

// Store returns the store the workflows write to.
func (w *Workflows) Store() *profiles.Store { return w.store }

// Outbox returns the outbox the workflows write their messages to.
func (w *Workflows) Outbox() *notify.Outbox { return w.out }

// RuleError says that the network's hard rules cannot be kept: no panel, team
// or pairing meets them, or a change of a proposal would break one. Detail says
// which rule and by how much; Fields names the part of the rules to relax.
type RuleError struct {
	Detail string
	// Text says Detail in the reader's language.
	Text   profiles.Text
	Fields []profiles.FieldError
}

// ruleError is a RuleError whose detail is format and args (fmt's verbs).
func ruleError(fields []profiles.FieldError, format string, args ...any) *RuleError {
	t := profiles.Sayf(format, args...)
	return &RuleError{Detail: t.English, Text: t, Fields: fields}
}

// Error returns the detail.
func (e *RuleError) Error() string { return e.Detail }

// fieldErrors collects the errors of a request, field by field.
type fieldErrors []profiles.FieldError

func (fe *fieldErrors) add(field, format string, args ...any) {
	*fe = append(*fe, profiles.FieldErrorf(field, format, args...))
}

func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return &profiles.ValidationError{Fields: fe}
}

// conflict is a *profiles.ConflictError with the reason in words.
func conflict(format string, args ...any) error {
	return profiles.Conflictf(format, args...)
}

// invalid is a *profiles.ValidationError on one field.
func invalid(field, format string, args ...any) error {
	return &profiles.ValidationError{Fields: []profiles.FieldError{profiles.FieldErrorf(field, format, args...)}}
}

// round6 rounds a score to the six decimals scores are shown with.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// orEmpty turns a nil list into an empty one, for answers that list.
func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// jsonOf encodes v for a proposal's stored explanation.
func jsonOf(v any) (json.RawMessage, error) { return json.Marshal(v) }
