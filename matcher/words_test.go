package matcher_test

import (
	"matchmaker/locale"
	"matchmaker/matcher"
	"matchmaker/workflow"
)

// inEnglish is e with its reasons in English words, as the doors say them:
// the matcher writes reasons as data, its tests read some of them as a person
// would.
func inEnglish(e matcher.Explanation) matcher.Explanation {
	e.Contributions = append([]matcher.Contribution(nil), e.Contributions...)
	englishReasons.Explain(locale.English, &e)
	return e
}

var englishReasons = workflow.NewReasons(locale.MustLoad(), nil, nil)
