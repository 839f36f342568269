package matcher

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// CorpusConfig describes a synthetic corpus for benchmarks: documents that
// read like municipal texts to the analyser (real words at the head of the
// vocabulary, made-up but well-formed ones in the long tail, stop words in
// between), with words drawn from topics so that some documents share many
// words with a query and most share a few common ones, as real ones do.
type CorpusConfig struct {
	Docs  int    // documents in all; half French, half English
	Words int    // words a document, stop words included; 0 is 150
	Seed  uint64 // the same seed gives the same corpus
	// Shares of experts and challenges; the rest are practices. 0 is 10%
	// each.
	ExpertShare, ChallengeShare float64
}

// Synthetic vocabulary sizes: the head of real words plus a tail of made-up
// words, per language, about what 100,000 municipal texts hold.
const (
	corpusTail   = 30000
	corpusTopics = 400
	topicWords   = 60
	zipfS        = 1.05
)

var corpusHead = map[Lang]string{
	French: `ville municipalité commune quartier habitants citoyens projet programme politique service
public gestion déchets tri recyclage collecte eau assainissement énergie climat adaptation
transport mobilité vélo piétons bus tramway sécurité routière budget participatif finances
fiscalité impôt logement social rénovation urbanisme planification stratégie plan développement
durable économie emploi jeunes femmes égalité genre culture patrimoine tourisme santé école
éducation formation numérique données ouvertes transparence participation concertation
démocratie conseil maire élus administration agents compétences coopération partenariat réseau
échange pratique expérience résultats évaluation indicateurs suivi performance qualité accès
espace vert parc arbres biodiversité inondation risque catastrophe résilience chaleur pollution
air bruit alimentation marché agriculture urbaine circuits courts commerce artisanat migrants
accueil inclusion pauvreté quartiers informels bidonvilles foncier cadastre terrain propriété
voirie routes éclairage réseau électricité chauffage bâtiments efficacité solaire installation
association société civile entreprises secteur privé université recherche innovation laboratoire
pilote expérimentation étude diagnostic enquête cartographie consultation atelier formation
sensibilisation campagne communication information plateforme application service en ligne
guichet unique démarches usagers satisfaction réclamation médiation conflit prévention violence
police proximité justice droits humains enfants personnes âgées handicap accessibilité
mobilité réduite transport scolaire cantine restauration collective gaspillage compost biodéchets
méthanisation décharge incinération valorisation économie circulaire réemploi réparation
ressourcerie déchetterie tarification incitative redevance collecte sélective conteneurs
ambassadeurs porte compostage jardins partagés toitures végétalisées îlots fraîcheur canicule
sécheresse nappe phréatique réutilisation eaux usées épuration station réseau fuites compteurs
tarif social abonnés facturation recouvrement recettes dépenses investissement dette emprunt
subventions dotation transfert décentralisation gouvernance métropole région département
intercommunalité coopération décentralisée jumelage solidarité internationale objectifs
développement durable agenda localisation rapport volontaire revue examen pairs tutorat
mentorat accompagnement feuille route vision stratégique tableau bord`,
	English: `city municipality council neighbourhood residents citizens project programme policy service
public management waste sorting recycling collection water sanitation energy climate adaptation
transport mobility cycling pedestrians bus tram road safety participatory budgeting finance
taxation tax housing social renovation planning strategy plan development sustainable economy
jobs youth women equality gender culture heritage tourism health school education training
digital open data transparency participation consultation democracy mayor elected
administration staff skills cooperation partnership network exchange practice experience
results evaluation indicators monitoring performance quality access green space park trees
biodiversity flooding risk disaster resilience heat pollution air noise food market urban
agriculture short supply chains trade crafts migrants reception inclusion poverty informal
settlements slums land registry cadastre plot property streets roads lighting grid electricity
heating buildings efficiency solar installation association civil society companies private
sector university research innovation lab pilot experiment study assessment survey mapping
workshop awareness campaign communication information platform app online one-stop shop
procedures users satisfaction complaints mediation conflict prevention violence policing
community justice human rights children older people disability accessibility reduced
mobility school transport canteen catering food waste compost biowaste anaerobic digestion
landfill incineration recovery circular economy reuse repair centre recycling centre
pay-as-you-throw fee separate collection containers ambassadors door-to-door composting
community gardens green roofs cooling islands heatwave drought groundwater wastewater reuse
treatment plant leaks meters social tariff subscribers billing collection revenue spending
investment debt borrowing grants transfers decentralisation governance metropolitan region
county inter-municipal decentralised cooperation twinning international solidarity goals
sustainable development agenda localisation voluntary local review peer review tutoring
mentoring support roadmap vision strategic dashboard`,
}

var corpusStop = map[Lang][]string{
	French: strings.Fields(`le la les un une des du de d' l' et ou en dans sur pour par avec au aux ce cette ces
		qui que dont est sont a ont été être plus moins très aussi leur leurs son sa ses notre nos
		il elle ils elles nous on se ne pas afin entre sans sous depuis lors chaque tous toutes`),
	English: strings.Fields(`the a an of and or in on at for by with to from this that these those which who
		is are was were be been has have had its their our we they it as more most very also
		each all into over under between without since during through about not`),
}

// corpusVocab is the vocabulary of a language: real words first, then a
// long tail of made-up ones shaped like the language's words.
type corpusVocab struct {
	words []string
	cdf   []float64 // Zipf over the words' ranks
}

func newCorpusVocab(lang Lang, rng *rand.Rand) *corpusVocab {
	v := &corpusVocab{words: strings.Fields(corpusHead[lang])}
	onsets := strings.Fields("b c d f g l m n p r s t v pl tr gr br ch st cl pr")
	vowels := strings.Fields("a e i o u ou ai ea io")
	endings := map[Lang][]string{
		French:  strings.Fields("tion ment age ité eur ique isme ance ence erie oir aire"),
		English: strings.Fields("tion ment ing ness ity er ics ism ance ence ery ship"),
	}[lang]
	seen := map[string]bool{}
	for _, w := range v.words {
		seen[w] = true
	}
	for len(v.words) < corpusTail {
		var b strings.Builder
		for range 2 + rng.IntN(2) {
			b.WriteString(onsets[rng.IntN(len(onsets))])
			b.WriteString(vowels[rng.IntN(len(vowels))])
		}
		b.WriteString(endings[rng.IntN(len(endings))])
		if w := b.String(); !seen[w] {
			seen[w] = true
			v.words = append(v.words, w)
		}
	}
	v.cdf = make([]float64, len(v.words))
	sum := 0.0
	for i := range v.words {
		sum += 1 / math.Pow(float64(i+1), zipfS)
		v.cdf[i] = sum
	}
	for i := range v.cdf {
		v.cdf[i] /= sum
	}
	return v
}

func (v *corpusVocab) draw(rng *rand.Rand) int {
	return sort.SearchFloat64s(v.cdf, rng.Float64())
}

// corpusGen draws documents.
type corpusGen struct {
	cfg    CorpusConfig
	rng    *rand.Rand
	vocab  map[Lang]*corpusVocab
	topics map[Lang][][]int // word indexes of each topic
}

func newCorpusGen(cfg CorpusConfig, stream uint64) *corpusGen {
	if cfg.Words <= 0 {
		cfg.Words = 150
	}
	if cfg.ExpertShare == 0 {
		cfg.ExpertShare = 0.1
	}
	if cfg.ChallengeShare == 0 {
		cfg.ChallengeShare = 0.1
	}
	// The vocabulary and topics depend on the seed only; the draws on the
	// seed and the stream, so that queries use the documents' words.
	g := &corpusGen{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x6d617463686d6b72)),
		vocab: map[Lang]*corpusVocab{}, topics: map[Lang][][]int{}}
	for _, l := range []Lang{French, English} {
		v := newCorpusVocab(l, g.rng)
		g.vocab[l] = v
		// A topic's words are spread over the vocabulary, mostly in its
		// middle: neither the commonest words nor hapaxes.
		for range corpusTopics {
			t := make([]int, topicWords)
			for i := range t {
				t[i] = min(len(v.words)-1, int(math.Exp(g.rng.Float64()*math.Log(float64(len(v.words))))))
			}
			g.topics[l] = append(g.topics[l], t)
		}
	}
	g.rng = rand.New(rand.NewPCG(cfg.Seed, stream))
	return g
}

// text draws n words of lang about topic: a third stop words, half of the
// rest from the topic, the others from the whole vocabulary.
func (g *corpusGen) text(lang Lang, topic, n int) string {
	v, t := g.vocab[lang], g.topics[lang][topic]
	stop := corpusStop[lang]
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch r := g.rng.Float64(); {
		case r < 0.35:
			b.WriteString(stop[g.rng.IntN(len(stop))])
		case r < 0.70:
			b.WriteString(v.words[t[g.rng.IntN(len(t))]])
		default:
			b.WriteString(v.words[v.draw(g.rng)])
		}
		if i%17 == 16 {
			b.WriteByte('.')
		}
	}
	return b.String()
}

var (
	corpusCountries = strings.Fields("FR GB ES SN CI MA TN CM CA US MX CO AR BR CL PE BO EC BE CH DE IT PT NL SE KE GH NG ZA EG JO LB TR IN ID PH VN KR JP AU")
	corpusRegions   = []string{"africa", "asia_pacific", "eurasia", "europe", "latin_america", "middle_east_west_asia", "north_america"}
	corpusThemes    = strings.Fields("waste water_sanitation mobility road_safety participatory_budgeting housing energy climate_adaptation air_quality local_finance digital_government open_data gender_equality culture heritage tourism food_systems public_health education migration")
	corpusRoles     = []string{"mayor", "elected_official", "public_service_manager", "technical_officer", "academic", "consultant"}
	corpusSeniority = []string{"junior", "senior", "leadership"}
)

// SyntheticCorpus returns cfg.Docs documents: practices, experts (with
// three track-record items each) and challenges, half in French and half in
// English, about 150 words each, in 1 city for 4 documents.
func SyntheticCorpus(cfg CorpusConfig) []Doc {
	g := newCorpusGen(cfg, 1)
	cities := max(1, cfg.Docs/4)
	docs := make([]Doc, cfg.Docs)
	words := g.cfg.Words
	for i := range docs {
		lang := French
		if i%2 == 1 {
			lang = English
		}
		topic := g.rng.IntN(corpusTopics)
		city := g.rng.IntN(cities)
		d := Doc{
			ID:         fmt.Sprintf("d%07d", i),
			Kind:       KindPractice,
			CityID:     fmt.Sprintf("city%06d", city),
			Lang:       lang,
			Country:    corpusCountries[city%len(corpusCountries)],
			Region:     corpusRegions[city%len(corpusRegions)],
			Languages:  []string{string(lang)},
			Population: int64(10_000 + (city*7919)%3_000_000),
			Themes:     []string{corpusThemes[topic%len(corpusThemes)], corpusThemes[(topic/len(corpusThemes)+topic)%len(corpusThemes)]},
		}
		if city%3 == 0 {
			d.Languages = []string{"fr", "en"}
		}
		switch r := g.rng.Float64(); {
		case r < g.cfg.ExpertShare:
			d.Kind = KindExpert
			d.Role = corpusRoles[g.rng.IntN(len(corpusRoles))]
			d.Seniority = corpusSeniority[g.rng.IntN(len(corpusSeniority))]
			d.Capacity = 1 + g.rng.IntN(3)
			d.Fields = []Field{{Name: "bio", Text: g.text(lang, topic, words*2/5)}}
			for range 3 {
				d.TrackRecord = append(d.TrackRecord, TrackItem{Title: g.text(lang, topic, 8), Summary: g.text(lang, topic, words/5-8), Year: 2010 + g.rng.IntN(15)})
			}
		case r < g.cfg.ExpertShare+g.cfg.ChallengeShare:
			d.Kind = KindChallenge
			d.Fields = []Field{{Name: "title", Text: g.text(lang, topic, 10)}, {Name: "description", Text: g.text(lang, topic, words-10)}}
		default:
			d.Fields = []Field{{Name: "title", Text: g.text(lang, topic, 10)}, {Name: "description", Text: g.text(lang, topic, words-10)}}
		}
		// What a list shows: the title, or an expert's name (the index
		// keeps it; no random draw, so that the corpus stays the same).
		if d.Kind == KindExpert {
			d.Name = "Expert " + d.ID
		} else {
			d.Name = d.Fields[0].Text
		}
		docs[i] = d
	}
	return docs
}

// SyntheticQueries returns n challenges drawn like the documents of the
// corpus of cfg, each long enough to hold about terms distinct content
// words, in cities of their own.
func SyntheticQueries(cfg CorpusConfig, n, terms int) []Doc {
	g := newCorpusGen(cfg, 2)
	out := make([]Doc, n)
	for i := range out {
		lang := French
		if i%2 == 1 {
			lang = English
		}
		topic := g.rng.IntN(corpusTopics)
		// Draw sentences until the text holds enough distinct words.
		var parts []string
		seen := map[string]bool{}
		for len(seen) < terms {
			s := g.text(lang, topic, 12)
			parts = append(parts, s)
			for _, w := range strings.Fields(s) {
				w = strings.Trim(w, ".")
				if !slices.Contains(corpusStop[lang], w) {
					seen[w] = true
				}
			}
		}
		out[i] = Doc{
			ID: fmt.Sprintf("q%05d", i), Kind: KindChallenge, CityID: fmt.Sprintf("qcity%05d", i), Lang: lang,
			Country: corpusCountries[i%len(corpusCountries)], Region: corpusRegions[i%len(corpusRegions)],
			Languages: []string{string(lang)}, Themes: []string{corpusThemes[topic%len(corpusThemes)]},
			Fields: []Field{{Name: "title", Text: parts[0]}, {Name: "description", Text: strings.Join(parts[1:], ". ")}},
		}
	}
	return out
}
