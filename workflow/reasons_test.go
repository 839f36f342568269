package workflow_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"matchmaker/locale"
	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/workflow"
)

// TestEveryReasonIsInTheCatalogue walks the codes the matcher can write: each
// has its message in English, French and Spanish, and so has every name a
// reason's values are said with (modes, statuses, roles, regions …).
func TestEveryReasonIsInTheCatalogue(t *testing.T) {
	cat := locale.MustLoad()
	codes := matcher.ReasonCodes()
	if len(codes) < 40 {
		t.Fatalf("only %d reason codes", len(codes))
	}
	for _, l := range locale.Langs {
		ids := cat.IDs(l)
		for _, c := range codes {
			if !slices.Contains(ids, workflow.MessageID(c)) {
				t.Errorf("%s: no message %s", l, workflow.MessageID(c))
			}
		}
		names := map[string][]string{
			"explain.mode.":         {"exchange", "peer_review", "tutoring"},
			"explain.status.":       append(slices.Clone(profiles.PracticeStatuses), profiles.ChallengeStatuses...),
			"explain.role.":         append(slices.Clone(profiles.Roles), "none"),
			"explain.seniority.":    append(slices.Clone(profiles.Seniorities), "none"),
			"explain.region.":       profiles.Regions,
			"explain.size.":         {"small", "intermediary", "metropolis"},
			"explain.kind.":         {"practice", "expert", "challenge", "city"},
			"explain.kind_article.": {"practice", "expert", "challenge", "city"},
		}
		for prefix, values := range names {
			for _, v := range values {
				if !slices.Contains(ids, prefix+v) {
					t.Errorf("%s: no message %s%s", l, prefix, v)
				}
			}
		}
	}
}

// TestReasonsInWords says reasons in each language: values are written as a
// reader of the language writes them (decimal commas, dates, theme labels,
// names of modes and roles) and the English sentences are those the service
// has always written.
func TestReasonsInWords(t *testing.T) {
	tax, err := profiles.LoadTaxonomy()
	if err != nil {
		t.Fatal(err)
	}
	r := workflow.NewReasons(locale.MustLoad(), tax, func(id string) string {
		if id == "c1" {
			return "Lyon"
		}
		return ""
	})
	arg := func(name string, typ matcher.ArgType, v any) matcher.Arg {
		return matcher.Arg{Name: name, Type: typ, Value: v}
	}
	tests := []struct {
		reason     matcher.Reason
		en, fr, es string
	}{
		{matcher.Reason{Code: matcher.ReasonPaused}, "expert is paused", "l'expert est en pause", "el experto está en pausa"},
		{matcher.Reason{Code: matcher.ReasonSameCity, Args: []matcher.Arg{arg("Kind", matcher.ArgKind, "practice"), arg("City", matcher.ArgCity, "c1")}},
			"same city: the practice is from the challenge's own city Lyon", "même ville : la pratique vient de la ville même du défi (Lyon)", "misma ciudad: la práctica es de la propia ciudad del reto (Lyon)"},
		{matcher.Reason{Code: matcher.ReasonWords, Args: []matcher.Arg{arg("Count", matcher.ArgInt, 1)}}, "1 word in common", "1 mot en commun", "1 palabra en común"},
		{matcher.Reason{Code: matcher.ReasonWords, Args: []matcher.Arg{arg("Count", matcher.ArgInt, 8)}}, "8 words in common", "8 mots en commun", "8 palabras en común"},
		{matcher.Reason{Code: matcher.ReasonSharedLanguage, Args: []matcher.Arg{arg("Language", matcher.ArgText, "fr")}}, "shares fr", "langue commune : fr", "lengua compartida: fr"},
		{matcher.Reason{Code: matcher.ReasonThemes, Args: []matcher.Arg{arg("Count", matcher.ArgInt, 1), arg("Of", matcher.ArgInt, 2), arg("Themes", matcher.ArgThemes, []string{"waste"})}},
			"1 of 2 themes: " + tax.Themes()[slices.IndexFunc(tax.Themes(), func(th profiles.Theme) bool { return th.Code == "waste" })].Labels["en"], "", ""},
		{matcher.Reason{Code: matcher.ReasonMode, Args: []matcher.Arg{arg("Mode", matcher.ArgMode, "tutoring"), arg("Modes", matcher.ArgModes, []string{"peer_review"})}},
			"expert does not volunteer for tutoring (volunteers for peer review)", "l'expert ne se porte pas volontaire en tutorat (seulement en examen par les pairs)", "el experto no se ofrece para tutoría (solo para revisión entre pares)"},
		{matcher.Reason{Code: matcher.ReasonUnavailableUntil, Args: []matcher.Arg{arg("Until", matcher.ArgDate, "2024-12-31"), arg("From", matcher.ArgDate, "2026-01-05"), arg("To", matcher.ArgDate, "2026-07-06")}},
			"expert not available: available until 31 December 2024; the challenge runs 5 January 2026 to 6 July 2026",
			"l'expert n'est pas disponible : disponible jusqu'au 31 décembre 2024 ; le défi se déroule du 5 janvier 2026 au 6 juillet 2026",
			"el experto no está disponible: disponible hasta el 31 de diciembre de 2024; el reto se desarrolla del 5 de enero de 2026 al 6 de julio de 2026"},
		{matcher.Reason{Code: matcher.ReasonWeightsScaled, Args: []matcher.Arg{arg("Sum", matcher.ArgNumber, 1.25), arg("Target", matcher.ArgKindArticle, "expert"), arg("Scale", matcher.ArgNumber4, 0.776), arg("Total", matcher.ArgNumber, 0.97)}},
			"the weights given add up to 1.25 over the factors that apply to an expert: each scaled by 0.776 to add up to 0.97",
			"les poids donnés totalisent 1,25 sur les facteurs qui s'appliquent à un expert : chacun multiplié par 0,776 pour totaliser 0,97",
			"los pesos indicados suman 1,25 en los factores que se aplican a un experto: cada uno multiplicado por 0,776 para sumar 0,97"},
		{matcher.Reason{Code: matcher.ReasonFeedbackRatedBy, Args: []matcher.Arg{
			arg("Engagements", matcher.ArgReason, matcher.Reason{Code: matcher.ReasonEngagementsAll, Args: []matcher.Arg{arg("Count", matcher.ArgInt, 1), arg("Mode", matcher.ArgMode, "tutoring")}}),
			arg("Rating", matcher.ArgReason, matcher.Reason{Code: matcher.ReasonRatedOnce, Args: []matcher.Arg{arg("Mean", matcher.ArgRating, 4.5)}})}},
			"1 completed tutoring engagement, rated 4.5 (1 rating)", "1 mission achevée en tutorat, note 4,5 (1 évaluation)", "1 compromiso completado en tutoría, valoración 4,5 (1 valoración)"},
		{matcher.Reason{Code: matcher.ReasonRole, Args: []matcher.Arg{arg("Role", matcher.ArgRole, "mayor"), arg("Seniority", matcher.ArgSeniority, ""), arg("Mode", matcher.ArgMode, "peer_review")}},
			"mayor, seniority not given, for peer review", "maire, niveau non précisé, en examen par les pairs", "alcalde o alcaldesa, nivel no indicado, en revisión entre pares"},
	}
	for _, tc := range tests {
		for _, want := range []struct {
			lang locale.Lang
			s    string
		}{{locale.English, tc.en}, {locale.French, tc.fr}, {locale.Spanish, tc.es}} {
			got := r.Sentence(want.lang, tc.reason)
			if want.s != "" && got != want.s {
				t.Errorf("%s %s:\n got %q\nwant %q", tc.reason.Code, want.lang, got, want.s)
			}
			if strings.Contains(got, "{{") || strings.Contains(got, "<no value>") || strings.HasPrefix(got, "explain.") {
				t.Errorf("%s %s: %q", tc.reason.Code, want.lang, got)
			}
		}
	}
}

// BenchmarkSayReasons puts the explanations of ten suggestions of the demo's
// Dakar challenge in words, in French: what a suggestion list adds to the
// matcher's work at the door.
func BenchmarkSayReasons(b *testing.B) {
	store := demoStore(b, profilestest.SQLiteDB(b, true))
	m := workflow.NewMatching(store, matcher.NewAnalyzer(workflow.NewLexicon(store.Taxonomy())), quiet)
	if err := m.Build(context.Background()); err != nil {
		b.Fatal(err)
	}
	for _, kind := range []matcher.Kind{matcher.KindPractice, matcher.KindExpert} {
		b.Run(string(kind), func(b *testing.B) {
			sugs, err := m.Index().Suggest(matcher.Query{ChallengeID: dakarWaste, Kind: kind, RequireSharedLanguage: new(bool)})
			if err != nil || len(sugs) == 0 {
				b.Fatalf("%d suggestions, %v", len(sugs), err)
			}
			b.ReportAllocs()
			for b.Loop() {
				m.Reasons().Suggestions(locale.French, sugs)
			}
		})
	}
}
