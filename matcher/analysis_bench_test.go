package matcher_test

import (
	"strings"
	"testing"

	"matchmaker/matcher"
)

// benchTexts are about 150 words each, the size of a challenge or a bio.
var benchTexts = map[matcher.Lang]string{
	matcher.English: `Our city of 400,000 people struggles to collect household waste in the
informal settlements that have grown on the hillsides since 2010. Trucks cannot reach
the narrow streets, so residents burn or dump their rubbish in the river, which floods
every rainy season and carries the waste into the lower districts. The municipality
has tried community collection points and a small recycling cooperative, but the
points overflow and the cooperative cannot sell what it sorts. We would like to learn
from cities that organised door-to-door collection with waste pickers, financed it
through a modest fee, and built composting sites for market waste. We are also
interested in how other councils involved residents in the decisions, for example
through a participatory budget or neighbourhood assemblies, and how they measured
the results. Our team includes the head of public works, two engineers and a social
worker, and the mayor has committed to a three-year plan with the support of the
national government.`,
	matcher.French: `Notre ville de 400 000 habitants peine à collecter les déchets ménagers dans
les quartiers informels qui se sont étendus sur les collines depuis 2010. Les camions
n'accèdent pas aux ruelles étroites : les habitants brûlent ou jettent leurs ordures
dans la rivière, qui déborde à chaque saison des pluies et emporte les déchets vers les
quartiers bas. La commune a essayé des points de collecte communautaires et une petite
coopérative de recyclage, mais les points débordent et la coopérative ne vend pas ce
qu'elle trie. Nous aimerions apprendre de villes qui ont organisé la collecte en porte
à porte avec les récupérateurs, l'ont financée par une redevance modeste et ont créé
des plateformes de compostage pour les déchets des marchés. Nous voulons aussi savoir
comment d'autres communes ont associé les habitants aux décisions, par exemple par un
budget participatif ou des assemblées de quartier, et comment elles ont mesuré les
résultats. L'équipe réunit le directeur des services techniques, deux ingénieurs et une
travailleuse sociale.`,
	matcher.Spanish: `Nuestra ciudad de 400.000 habitantes tiene dificultades para recoger la
basura en los asentamientos informales que han crecido en las laderas desde 2010. Los
camiones no llegan a las calles estrechas, así que los vecinos queman o tiran sus
residuos al río, que se desborda cada temporada de lluvias y arrastra la basura hacia
los barrios bajos. El municipio probó puntos de recolección comunitarios y una pequeña
cooperativa de reciclaje, pero los puntos se desbordan y la cooperativa no logra vender
lo que separa. Queremos aprender de ciudades que organizaron la recolección puerta a
puerta con recicladores, la financiaron con una tasa modesta y construyeron plantas de
compostaje para los residuos de los mercados. También nos interesa saber cómo otros
municipios involucraron a los vecinos en las decisiones, por ejemplo mediante un
presupuesto participativo o asambleas barriales, y cómo midieron los resultados. El
equipo incluye al director de obras públicas, dos ingenieros y una trabajadora social.`,
}

func BenchmarkAnalyze(b *testing.B) {
	lex := loadTestLexicon(b)
	for _, lang := range matcher.Languages() {
		text := benchTexts[lang]
		words := len(strings.Fields(text))
		for _, hint := range []matcher.Lang{lang, ""} {
			name := string(lang) + "/given"
			if hint == "" {
				name = string(lang) + "/detected"
			}
			b.Run(name, func(b *testing.B) {
				a := matcher.NewAnalyzer(lex)
				a.Analyze(text, hint) // warm the cache
				b.ReportAllocs()
				b.SetBytes(int64(len(text)))
				for b.Loop() {
					a.Analyze(text, hint)
				}
				b.ReportMetric(float64(words), "words/op")
			})
		}
	}
}

func BenchmarkAnalyzeParallel(b *testing.B) {
	a := matcher.NewAnalyzer(loadTestLexicon(b))
	texts := []string{benchTexts[matcher.English], benchTexts[matcher.French], benchTexts[matcher.Spanish]}
	for _, t := range texts {
		a.Analyze(t, "")
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			a.Analyze(texts[i%len(texts)], "")
			i++
		}
	})
}

func BenchmarkDetectLanguage(b *testing.B) {
	cases := readDetectCases(b, "testdata/langdetect.tsv")
	b.Run("short", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			matcher.DetectLanguage(cases[i%len(cases)].text)
			i++
		}
	})
	b.Run("150words", func(b *testing.B) {
		b.ReportAllocs()
		text := benchTexts[matcher.French]
		for b.Loop() {
			matcher.DetectLanguage(text)
		}
	})
}

// benchVocabulary is the distinct words of the bench texts, the working set
// of a stem cache.
func benchVocabulary() map[matcher.Lang][]string {
	v := map[matcher.Lang][]string{}
	for lang, text := range benchTexts {
		seen := map[string]bool{}
		for _, w := range strings.FieldsFunc(text, func(r rune) bool {
			return strings.ContainsRune(" \n.,:;'’-", r)
		}) {
			if !seen[w] {
				seen[w] = true
				v[lang] = append(v[lang], w)
			}
		}
	}
	return v
}

func benchmarkStem(b *testing.B, cacheWords int) {
	vocab := benchVocabulary()
	a := matcher.NewAnalyzerWithCache(nil, cacheWords)
	for lang, words := range vocab {
		for _, w := range words {
			a.Term(w, lang)
		}
	}
	langs := matcher.Languages()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		lang := langs[i%3]
		words := vocab[lang]
		a.Term(words[(i/3)%len(words)], lang)
		i++
	}
}

// BenchmarkStemCached and BenchmarkStemUncached give the cost of the term
// of one word (normalise, lower-case, stop-word check, stem, fold) with and
// without the word cache.
func BenchmarkStemCached(b *testing.B)   { benchmarkStem(b, matcher.DefaultCacheWords) }
func BenchmarkStemUncached(b *testing.B) { benchmarkStem(b, 0) }

func BenchmarkNewLexicon(b *testing.B) {
	lex := loadTestLexicon(b)
	var entries []matcher.LexiconEntry
	for _, c := range lex.Concepts() {
		entries = append(entries, lex.Terms(c)...)
	}
	b.ReportAllocs()
	for b.Loop() {
		matcher.NewLexicon(entries)
	}
	b.ReportMetric(float64(len(entries)), "entries/op")
}
