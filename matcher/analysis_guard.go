package matcher

import "strings"

// Snowball stems are aggressive, French and Spanish ones most: they cut
// derivational endings, so that words that share a root but not a meaning
// get one stem. "communes" and "communication" both give "commun",
// "collecte" and "collectif" "collect", "seguridad" and "seguro" "segur",
// "organic" and "organization" "organ". A match between them is a real
// match for the stemmer and nonsense to a city officer. guardStem keeps
// such words apart: it looks at what the stemmer cut from the word (the
// folded word past the stem) and, when it is an ending that makes a word of
// another family, adds a tag of that ending to the stem. Inflections
// (plurals, genders, verb endings) and the endings that stay in the family
// ("évaluation" and "évaluer", "participatif" and "participation") keep the
// stem as it is. The lists are short on purpose: each entry is a family of
// false friends seen in municipal texts, pinned by TestStemFalseFriends.

// stemTag is an ending that makes another family, and the tag it adds.
type stemTag struct {
	ending string // what the cut part starts with
	tag    string
	// notAfter is an ending of the stem, or a start of the cut part, under
	// which the ending stays in the family: "planification" stays with
	// "planifier", "participatif" with "participation".
	notAfter, notStart string
}

var stemTags = [numLangs][]stemTag{
	langEN: {
		{ending: "ization", tag: "iz"}, {ending: "iz", tag: "iz"}, {ending: "isation", tag: "iz"}, {ending: "is", tag: "iz"}, // organization / organ
		{ending: "ic", tag: "ic"},    // organic / organ, organization
		{ending: "ity", tag: "it"},   // university / universe, universal
		{ending: "iti", tag: "it"},   // universities
		{ending: "ence", tag: "enc"}, // experience / experiment
		{ending: "ive", tag: "iv"},   // relative / relation
	},
	langFR: {
		{ending: "ication", tag: "ic", notAfter: "f"}, // communication / communes; planification stays with planifier
		{ending: "if", tag: "iv", notStart: "at"},     // collectif / collecte; participatif stays with participation
		{ending: "iv", tag: "iv", notStart: "at"},     // collective, collectivité
	},
	langES: {
		{ending: "icacion", tag: "ic", notAfter: "f"},  // comunicación / comuna, común
		{ending: "idad", tag: "idad", notAfter: "bil"}, // seguridad / seguro, comunidad / común; sostenibilidad stays with sostenible
		{ending: "iv", tag: "iv", notStart: "at"},      // colectivo / colecta; participativo stays with participación
	},
}

// keepWhole are the words whose family no ending tells apart, kept whole:
// the English stemmer makes "informal" (informal settlements, the informal
// economy) "inform", as "information"; tagging "ation" instead would part
// "adaptation" from "adapt" and "consultation" from "consult".
//
// The same holds where Snowball gives one stem to words of no common family
// at all: English "international" and "internal" ("intern"), Spanish "casa"
// (a house) and "casos" ("cas"), "plaza" (a square) and "plazo" (a term,
// "a largo plazo"), "género" (gender) and "generar", "mesa" (a table, "mesa
// de trabajo") and "mes" (a month), "suelo" (land, "uso del suelo") and
// "suele" (usually), "negocio" (business) and "negociación", "solar" (it
// meets English "solar", no longer "sola", alone), "sólidos" ("residuos
// sólidos": it meets French "solides" and English "solid"), "base" (whose
// stem "bas" is French "bas", low); "publication" and "public" in the three
// languages. The word kept whole is the one whose stem would mislead;
// "international" then meets French "international", Spanish "base"
// English "base", and "publication" meets across the three languages.
// French "base" and "bas" (low) stay one term: parting them cost the
// tuning half of the evaluation (experts 0.984 -> 0.982).
var keepWhole = [numLangs]map[string]string{
	langEN: {
		"informal": "informal", "informality": "informal", "informally": "informal",
		"international": "international", "internationally": "international",
		"publication": "publication", "publications": "publication",
		// False friends of other languages (see ownStems).
		"habit": "habit~en", "habits": "habit~en", // a custom; French "habitants", Spanish "habitantes"
		"fabric": "fabric~en", "fabrics": "fabric~en", // "urban fabric"; Spanish "fábrica", a factory
	},
	langFR: {
		"publication": "publication", "publications": "publication",
		// False friends of other languages (see ownStems).
		"formation": "formation~fr", "formations": "formation~fr", // training; English "formation"
		"pays": "pays~fr",                     // a country; English "pays"
		"main": "main~fr", "mains": "main~fr", // a hand, "main-d'œuvre"; English "main"
		"numerique": "numerique~fr", "numeriques": "numerique~fr", // digital; Spanish "número", a number
		// "le care" is English care: the French stemmer makes it "car",
		// which English "car" is.
		"care": "care",
	},
	langES: {
		"carbon": "carbon~es", "carbones": "carbon~es", // "carbón": coal; English "carbon", Spanish "carbono"
		"base": "base", "bases": "base",
		"publicacion": "publication", "publicaciones": "publication",
		"negocio": "negocio", "negocios": "negocio",
		"solar": "solar", "solares": "solar",
		"solido": "solid", "solidos": "solid", "solida": "solid", "solidas": "solid",
		"casa": "casa", "casas": "casa",
		"plaza": "plaza", "plazas": "plaza",
		"genero": "genero", "generos": "genero",
		"mesa": "mesa", "mesas": "mesa",
		"suelo": "suelo", "suelos": "suelo",
	},
}

// Terms are shared by the three languages: a stem that two languages write
// alike is one term, which is how "transport", "participation" and "budget"
// meet across languages with no dictionary. Some stems are written alike
// and mean different things: French "location" (renting) and English
// "location", Spanish "red" (network) and English "red", French "issue"
// (outcome; "issu de", resulting from) and English "issues". Such words
// keep a term of their own language, marked with "~" and the language's
// code, which no stemmer writes: one word at a time in keepWhole, every
// word of a stem in ownStems. They still match the same word of their own
// language, and the other languages through the dictionary's
// translations, but no longer the false friend. Each entry names the side
// that is the odd one out, so that the languages that agree keep meeting
// (French "habitants" and Spanish "habitantes" stay one term, English
// "habit" leaves them). TestCrossLanguageFalseFriends pins them.

// ownStems are folded stems (after the tags above) whose term is their
// language's own, for every word of the stem.
var ownStems = [numLangs]map[string]string{
	langEN: {
		"march":   "march~en",   // the month; French "marché", "marche", Spanish "marcha"
		"lectur":  "lectur~en",  // a talk; French "lecture", Spanish "lectura": reading
		"sensibl": "sensibl~en", // reasonable; French and Spanish "sensible": sensitive
	},
	langFR: {
		"locat":   "locat~fr",   // "location": renting; English "location"
		"sort":    "sort~fr",    // "sortie", "sortir": exit, going out; English "sorting"
		"issu":    "issu~fr",    // "issue", "issu de": outcome, resulting from; English "issues"
		"command": "command~fr", // "commande publique": procurement, an order; English "command"
		"dispos":  "dispos~fr",  // "disposer de", "dispositions": to have, provisions; English "disposal"
	},
	langES: {
		"red":     "red~es",     // "red", "redes": network; English "red"
		"larg":    "larg~es",    // "largo", "a largo plazo": long; English "large"
		"actual":  "actual~es",  // "actual", "actualmente": current; English "actual"
		"exit":    "exit~es",    // "éxito", "exitoso": success; English "exit"
		"pretend": "pretend~es", // "pretende": intends; English "pretend"
		"mayor":   "mayor~es",   // "mayor", "mayores", "mayoría": greater, elderly, majority; English "mayor"
		"permit":  "permit~es",  // "permite", "permitir": allows; English "permit"
		"call":    "call~es",    // "calle", "calles": a street; English "call"
		"sol":     "sol~es",     // "sola", "solos": alone; French "sol", soil ("occupation des sols")
	},
}

// ownLanguage reports whether term is one of a language's own (keepWhole,
// ownStems): no cognate is made of it, since its look-alike in the other
// languages is the false friend.
func ownLanguage(term string) bool { return strings.Contains(term, "~") }

// accentedWhole are the words that only their accents tell from a word of
// another family, by the word as written (lower case), with their term.
// Folded, French "élève" (a pupil) is "élevé" (high), and "marché" (a
// market, "marchés publics") is "marche" (walking, "marche à pied"):
// written with their accents, they keep a term of their own; typed without
// them, they cannot.
var accentedWhole = [numLangs]map[string]string{
	langFR: {
		"élève": "eleve", "élèves": "eleve",
		"marché": "marche", "marchés": "marche",
	},
}

// guardStem returns the index term of a word: its folded stem, tagged when
// what the stemmer cut from the folded word marks another family, or its
// language's own term when the stem is a false friend in another language.
func guardStem(folded, stem string, li int) string {
	if t, ok := keepWhole[li][folded]; ok {
		return t
	}
	t := familyStem(folded, stem, li)
	if own, ok := ownStems[li][t]; ok {
		return own
	}
	return t
}

// familyStem is the folded stem, tagged when what the stemmer cut from the
// folded word marks another family.
func familyStem(folded, stem string, li int) string {
	n := 0
	for n < len(folded) && n < len(stem) && folded[n] == stem[n] {
		n++
	}
	cut := folded[n:]
	if cut == "" {
		return stem
	}
	for _, t := range stemTags[li] {
		if !strings.HasPrefix(cut, t.ending) ||
			t.notAfter != "" && strings.HasSuffix(stem, t.notAfter) ||
			t.notStart != "" && strings.HasPrefix(cut, t.notStart) {
			continue
		}
		return stem + t.tag
	}
	return stem
}

// boundPrefixes are the prefixes written with a hyphen in the three
// languages ("pré-collecte", "co-construction", "sous-traitance",
// "socio-économique"): the fragment in front is no word of its own, and
// matching it ("pré" with "pré-diagnostic") is no evidence of anything.
var boundPrefixes = map[string]bool{
	"pre": true, "post": true, "co": true, "anti": true, "re": true, "sous": true, "sub": true, "auto": true,
	"inter": true, "intra": true, "multi": true, "non": true, "semi": true, "ex": true, "neo": true, "pro": true,
	"extra": true, "micro": true, "macro": true, "mini": true, "maxi": true, "bi": true, "socio": true, "agro": true,
	"eco": true, "peri": true, "pluri": true, "supra": true, "infra": true, "ultra": true, "trans": true,
	"pseudo": true, "quasi": true, "demi": true, "mi": true, "vice": true, "super": true, "hyper": true,
	"contre": true, "contra": true, "self": true, "cross": true, "mid": true, "over": true, "under": true,
	"sobre": true, "entre": true, "poli": true, "cuasi": true, "seudo": true,
}
