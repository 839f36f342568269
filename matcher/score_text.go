package matcher

import (
	"fmt"
	"math"
)

// Ranking is how words (and concepts) are weighted by rarity.
type Ranking int

// The two weightings of words measured on the evaluation set
// (eval_test.go). TF-IDF in unit-length vectors (cosine) is the default: it
// ranks a little better there, by words alone (mean nDCG@10 over practices
// and experts 0.606 against 0.591) and with concepts and themes (0.893
// against 0.891). The gap is small, within what a few queries move; BM25 is
// kept, measured on every run of the evaluation, so that the choice can be
// made again as the set grows. Short municipal texts against long
// challenges suit cosine: BM25's saturation and length normalisation help
// most with long, repetitive documents.
const (
	// RankTFIDF weighs a word by its log frequency times its rarity, in
	// unit-length vectors: the score is their cosine.
	RankTFIDF Ranking = iota
	// RankBM25 weighs a word by Okapi BM25: saturated frequency,
	// length normalised to the average, times rarity.
	RankBM25
)

// String names the ranking.
func (r Ranking) String() string {
	switch r {
	case RankBM25:
		return "bm25"
	case RankTFIDF:
		return "tfidf"
	}
	return fmt.Sprintf("Ranking(%d)", int(r))
}

// BM25 parameters: the usual k1 and b (k1 from 0.9 to 1.6 and b from 0.5
// to 0.9 move nDCG@10 by less than 0.005 on the evaluation set), and k3 for
// the frequency of a word in the query, which saturates slowly: a word of
// the challenge's title and description counts more than one said once.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
	bm25K3 = 7
)

// bm25TF is the term-frequency part of BM25: tf saturated by k1 and
// normalised by the document length dl relative to the average avg. It is
// 1 for one occurrence in a document of average length and below k1+1.
func bm25TF(tf, dl, avg float64) float64 {
	k := bm25K1 * (1 - bm25B + bm25B*dl/avg)
	return tf * (bm25K1 + 1) / (tf + k)
}

// bm25QTF is the weight of a word said qtf times (weighted) in the query.
func bm25QTF(qtf float64) float64 {
	return (bm25K3 + 1) * qtf / (bm25K3 + qtf)
}

// tfidfWeight is the TF-IDF weight of a feature: logarithmic frequency
// times rarity.
func tfidfWeight(tf float32, idf float64) float64 {
	if tf <= 0 {
		return 0
	}
	return (1 + math.Log(max(float64(tf), 1))) * idf
}

// conceptRanking is how concepts are weighted, whatever the words' ranking:
// TF-IDF in a unit-length vector, that is cosine similarity. A text holds
// a handful of concepts, each a whole theme; what tells two texts apart is
// the share of their subject they have in common, which cosine measures.
// BM25 normalised to the query saturates there: one shared concept
// mentioned twice already reaches the maximum (on the evaluation set,
// cosine concepts ranked better under either weighting of words).
const conceptRanking = RankTFIDF

// rankingOf is the weighting of a class of features.
func (st *state) rankingOf(class int) Ranking {
	if class == classConcept {
		return conceptRanking
	}
	return st.ranking
}

// idf is the rarity of feature id in a segment for ranking r, after its
// document frequency there.
func (st *state) idf(r Ranking, seg int, id uint32) float64 {
	return st.idfOf(r, seg, st.df(seg, id))
}

// idfOf is the rarity of a feature held by df documents of a segment.
func (st *state) idfOf(r Ranking, seg, df int) float64 {
	n := float64(st.segs[seg].live)
	d := float64(df)
	if r == RankTFIDF {
		return math.Log((n+1)/(d+1)) + 1
	}
	return math.Log(1 + (n-d+0.5)/(d+0.5))
}

// df is the number of live documents of a segment that hold feature id.
// While an index is being built, it is the final count.
func (st *state) df(seg int, id uint32) int {
	if c := st.buildDF[seg]; c != nil {
		if int(id) < len(c) {
			return int(c[id])
		}
		return 0
	}
	n := len(st.postings(seg, id))
	if d := st.segs[seg].deadDF; int(id) < len(d) {
		n -= int(d[id])
	}
	return n
}

// Impacts are coded on 8 bits as the square root of a value in [0, 1]:
// the relative precision stays good for the small weights of long
// documents, where a linear code would round them to a few steps. 0 is
// never used, so that every posting counts.
func encodeImpact(v float64) uint8 {
	if v <= 0 || math.IsNaN(v) {
		return 1
	}
	q := math.Round(math.Sqrt(min(v, 1)) * impMask)
	return uint8(max(1, min(q, impMask)))
}

// impactTable decodes impacts: impactTable[i] = (i/255)².
var impactTable = func() [impMask + 1]float64 {
	var t [impMask + 1]float64
	for i := range t {
		x := float64(i) / impMask
		t[i] = x * x
	}
	return t
}()

// impactScale is what a decoded impact is multiplied by to give the
// document side of a feature's score: k1+1 for BM25 (its impacts are
// stored divided by it), 1 for TF-IDF.
func impactScale(r Ranking) float64 {
	if r == RankTFIDF {
		return 1
	}
	return bm25K1 + 1
}
