package matcher

import "strings"

// The stop-word lists are our own rather than Snowball's: Snowball's lists
// leave out common words (French "les", "cet", "dont", "afin"; Spanish
// "cada", "según"), and a word missed here becomes a term that makes every
// text look alike. They hold articles, prepositions, conjunctions, pronouns,
// determiners, the auxiliary and modal verbs with their common forms, and the
// most generic adverbs. They hold no content word, even a vague one ("bien",
// "well", "estado", "plan", "new"): a city writes "bien public", "wells" and
// "Estado" with meaning. For the same reason the infinitives that are also
// nouns are left out ("pouvoir", "devoir", "poder", "deber": "pouvoirs
// locaux", "poder local"), while their conjugated forms are in.
//
// The lists are written with their accents, for reading; lookups fold the
// accents, so "a" matches "à" and "mas" matches "más", as people type them.
const (
	englishStopWords = `
a an the
i me my mine myself we us our ours ourselves you your yours yourself yourselves
he him his himself she her hers herself it its itself they them their theirs
themselves oneself
this that these those such same other others another
who whom whose which what whatever whichever whoever whomever
anyone anybody anything someone somebody something everyone everybody everything
nobody nothing none
all any both each either every few many much more most less least neither
several some enough own
am is are was were be been being
have has had having do does did doing done
will would shall should can could may might must ought
i'm i've i'd i'll you're you've you'd you'll he's he'd he'll she's she'd she'll
it's it'd it'll we're we've we'd we'll they're they've they'd they'll
that's there's here's what's who's where's when's why's how's let's let
isn't aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't
won't wouldn't shan't shouldn't can't cannot couldn't mustn't mightn't needn't
and or but nor so yet if then else than because since though although unless
whereas whether while until till once as
of to in on at by for with from into onto upon about above below over under
after before between among amongst through throughout during without within
against across along around behind beside besides beyond toward towards
inside outside up down off out near per via versus vs amid
not no yes very too also just only even still already again ever never always
often sometimes here there where when why how however therefore thus hence
furthermore moreover meanwhile otherwise instead indeed perhaps rather quite
almost etc eg ie
`

	frenchStopWords = `
le la les l un une des du de d au aux à
ce cet cette ces c ça ceci cela celui celle ceux celles ci
mon ton son ma ta sa mes tes ses notre votre leur nos vos leurs
je j tu il elle on nous vous ils elles me m te t se s lui eux moi toi soi y en
qui que qu quoi dont où lequel laquelle lesquels lesquelles auquel auxquels
auxquelles duquel desquels desquelles quel quelle quels quelles
et ou mais donc or ni car si comme quand lorsque lorsqu puisque puisqu
quoique quoiqu jusque jusqu parce comment pourquoi combien
pour par sur sous dans avec sans chez entre vers contre pendant depuis selon
avant après malgré parmi hors dès envers via durant outre travers auprès
ne n pas plus moins très trop peu aussi ainsi alors déjà encore toujours
jamais non oui ici là cependant toutefois pourtant néanmoins puis ensuite
enfin lors notamment afin tant tellement souvent parfois aujourd'hui etc
environ
tout tous toute toutes autre autres même mêmes chaque plusieurs certain
certaine certains certaines quelque quelques aucun aucune tel telle tels
telles
être suis es est sommes êtes sont été étée étées étés étant étais était étions
étiez étaient serai seras sera serons serez seront serais serait serions
seriez seraient fus fut fûmes fûtes furent sois soit soyons soyez soient
fusse fussent fût
avoir ai as a avons avez ont eu eue eues eus ayant avais avait avions aviez
avaient aurai auras aura aurons aurez auront aurais aurait aurions auriez
auraient eut eurent aie aies ait ayons ayez aient eût
peux peut pouvons pouvez peuvent pouvait pouvaient pourra pourront
pourrait pourraient pu puisse puissent
dois doit devons devez doivent devait devaient devra devront devrait
devraient dû
`

	spanishStopWords = `
el la los las lo un una unos unas al del de
yo me mí conmigo tú te ti contigo él ella ello nosotros nosotras nos vosotros
vosotras os ellos ellas usted ustedes le les se sí consigo
mi mis tu tus su sus nuestro nuestra nuestros nuestras vuestro vuestra
vuestros vuestras suyo suya suyos suyas mío mía míos mías tuyo tuya
este esta estos estas ese esa esos esas aquel aquella aquellos aquellas esto
eso aquello
que qué quien quién quienes quiénes cual cuál cuales cuáles cuyo cuya cuyos
cuyas cuanto cuánto cuanta cuánta cuantos cuántos cuantas cuántas cómo dónde
cuándo
y e o u ni pero sino porque pues como cuando donde si aunque mientras
a ante bajo con contra desde durante en entre hacia hasta mediante para por
según sin sobre tras través junto antes después
no sí muy más menos tan tanto tanta tantos tantas mucho mucha muchos muchas
poco poca pocos pocas demasiado bastante ya aún aun todavía también tampoco
además así entonces luego aquí allí allá ahí acá siempre nunca jamás solo sólo
solamente incluso etc hoy
todo toda todos todas otro otra otros otras mismo misma mismos mismas cada
algún alguno alguna algunos algunas ningún ninguno ninguna varios varias
cierto cierta ciertos ciertas tal tales demás
ser soy eres es somos sois son era eras éramos eran fui fue fuimos fueron
seré será seremos serán sería serían sea seas seamos sean fuera fueran
fuese sido siendo
estar estoy estás está estamos estáis están estaba estaban estuvo estuvieron
estará estarán estaría esté estén estando
haber he has ha hemos habéis han había habían hubo hubieron habrá habrán
habría habrían haya hayan hubiera hubieran habido habiendo hay
tener tengo tienes tiene tenemos tienen tenía tenían tuvo tuvieron tendrá
tendrán tendría tenga tengan tenido teniendo
puedo puede podemos pueden podía podían pudo podrá podrán podría
podrían pueda puedan
debe deben debía debían deberá deberán debería deberían
`
)

// stopWords holds the folded stop words of each analysed language, indexed by
// langIndex. Built once from the lists above; read-only afterwards.
var stopWords = [numLangs]map[string]struct{}{
	langEN: buildStopSet(englishStopWords),
	langFR: buildStopSet(frenchStopWords),
	langES: buildStopSet(spanishStopWords),
}

func buildStopSet(list string) map[string]struct{} {
	words := strings.Fields(list)
	set := make(map[string]struct{}, len(words))
	for _, w := range words {
		set[FoldAccents(w)] = struct{}{}
	}
	return set
}

// IsStopWord reports whether the lower-cased word is a stop word of lang,
// with or without its accents. For an unknown lang it reports whether the
// word is a stop word of any analysed language.
func IsStopWord(word string, lang Lang) bool {
	return isStopFolded(FoldAccents(word), lang)
}

func isStopFolded(folded string, lang Lang) bool {
	if i, ok := langIndex(lang); ok {
		_, stop := stopWords[i][folded]
		return stop
	}
	for i := range stopWords {
		if _, stop := stopWords[i][folded]; stop {
			return true
		}
	}
	return false
}
