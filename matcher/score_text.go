package matcher

import (
	"fmt"
	"math"
)

// Ranking is how words (and concepts) are weighted by rarity.
type Ranking int

// The two weightings of words measured on the evaluation set
// (eval_test.go). BM25 is the default: it ranks better where the weighting
// alone decides (ranking by words only: mean nDCG@10 0.532 against 0.522),
// and in the full configuration the two are within a point of each other
// (0.888 against 0.896), a gap that moves with how the text factor is
// scaled against the others (a lower text weight closes it) rather than
// with the weighting. BM25 also needs only the average length at insertion
// time, where TF-IDF's unit-length vectors depend on every word's rarity.
// TF-IDF is kept for the comparison.
const (
	RankBM25 Ranking = iota
	RankTFIDF
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

// BM25 parameters: the usual k1 and b (they did as well as any on the
// evaluation set), and k3 for the frequency of a word in the query, which
// saturates slowly: a word of the challenge's title and description counts
// more than one said once.
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
// mentioned twice already reaches the maximum (measured on the evaluation
// set: cosine ranks better with either weighting of words).
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
	n := float64(st.segs[seg].slots)
	df := float64(st.df(seg, id))
	if r == RankTFIDF {
		return math.Log((n+1)/(df+1)) + 1
	}
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// df is the number of documents of a segment that hold feature id, dead
// ones included until the next compaction. While an index is being built,
// it is the final count.
func (st *state) df(seg int, id uint32) int {
	if c := st.buildDF[seg]; c != nil {
		if int(id) < len(c) {
			return int(c[id])
		}
		return 0
	}
	return len(st.postings(seg, id))
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
