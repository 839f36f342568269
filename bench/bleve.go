package bench

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/es"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"matchmaker/matcher"
)

// The Snowball analysers of the Bleve index, one a language. Bleve's stock
// "fr", "en" and "es" analysers stem with its light French stemmer, Porter
// and its light Spanish stemmer; these are the same chains with Bleve's
// Snowball stemmers in their place.
var bleveAnalyzers = map[matcher.Lang]struct {
	name    string
	filters []string
}{
	matcher.French:  {"fr_snowball", []string{lowercase.Name, fr.ElisionName, fr.StopName, fr.SnowballStemmerName}},
	matcher.English: {"en_snowball", []string{en.PossessiveName, lowercase.Name, en.StopName, en.SnowballStemmerName}},
	matcher.Spanish: {"es_snowball", []string{lowercase.Name, es.StopName, es.SnowballStemmerName}},
}

// Bleve is a Bleve index of the documents: one document type a language,
// whose field "body" (DocText) is analysed with that language's Snowball
// analyser, and keyword fields "kind", "lang" and "city" for the filters.
// It scores with BM25 and lives on
// disk (scorch) in the directory given to OpenBleve.
type Bleve struct {
	idx       bleve.Index
	analyzers map[matcher.Lang]analysis.Analyzer
}

// OpenBleve creates an empty index in dir, which must not exist yet.
func OpenBleve(dir string) (*Bleve, error) {
	m := bleve.NewIndexMapping()
	m.ScoringModel = index.BM25Scoring
	m.TypeField = "lang"
	m.DefaultAnalyzer = bleveAnalyzers[matcher.English].name
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	for lang, a := range bleveAnalyzers {
		err := m.AddCustomAnalyzer(a.name, map[string]any{
			"type":          custom.Name,
			"tokenizer":     unicode.Name,
			"token_filters": a.filters,
		})
		if err != nil {
			return nil, fmt.Errorf("bleve analyser %s: %w", a.name, err)
		}
		body := bleve.NewTextFieldMapping()
		body.Analyzer = a.name
		body.Store = false
		body.IncludeTermVectors = false
		body.IncludeInAll = false
		body.DocValues = false
		dm := bleve.NewDocumentStaticMapping()
		dm.DefaultAnalyzer = a.name
		dm.AddFieldMappingsAt("body", body)
		for _, f := range []string{"kind", "lang", "city"} {
			kw := bleve.NewKeywordFieldMapping()
			kw.Analyzer = keyword.Name
			kw.Store = false
			kw.IncludeTermVectors = false
			kw.IncludeInAll = false
			kw.DocValues = false
			dm.AddFieldMappingsAt(f, kw)
		}
		m.AddDocumentMapping(string(lang), dm)
	}
	m.DefaultMapping = m.TypeMapping[string(matcher.English)]
	idx, err := bleve.NewUsing(dir, m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("create bleve index in %s: %w", dir, err)
	}
	b := &Bleve{idx: idx, analyzers: map[matcher.Lang]analysis.Analyzer{}}
	for lang, a := range bleveAnalyzers {
		b.analyzers[lang] = m.AnalyzerNamed(a.name)
		if b.analyzers[lang] == nil {
			_ = idx.Close()
			return nil, fmt.Errorf("bleve analyser %s not found", a.name)
		}
	}
	return b, nil
}

// Load indexes docs in batches of batchSize, then merges the segments into
// one, so that queries meet the index at its best.
func (b *Bleve) Load(docs []matcher.Doc, batchSize int) error {
	batch := b.idx.NewBatch()
	for i := range docs {
		d := &docs[i]
		err := batch.Index(d.ID, map[string]any{
			"lang": string(docLang(d)),
			"kind": string(d.Kind),
			"city": d.CityID,
			"body": DocText(d),
		})
		if err != nil {
			return fmt.Errorf("bleve index %s: %w", d.ID, err)
		}
		if batch.Size() >= batchSize || i == len(docs)-1 {
			if err := b.idx.Batch(batch); err != nil {
				return fmt.Errorf("bleve batch ending at %s: %w", d.ID, err)
			}
			batch.Reset()
		}
	}
	adv, err := b.idx.Advanced()
	if err != nil {
		return fmt.Errorf("bleve advanced index: %w", err)
	}
	if s, ok := adv.(*scorch.Scorch); ok {
		if err := s.ForceMerge(context.Background(), nil); err != nil {
			return fmt.Errorf("bleve force merge: %w", err)
		}
	}
	return nil
}

// Search returns the IDs of the limit best documents that pass f for the
// text of challenge: a disjunction of the distinct terms of that text,
// analysed with the analyser of its language, under f as a filter.
func (b *Bleve) Search(ctx context.Context, challenge *matcher.Doc, f Filter, limit int) ([]string, error) {
	lang := docLang(challenge)
	a, ok := b.analyzers[lang]
	if !ok {
		a = b.analyzers[matcher.English]
	}
	seen := map[string]bool{}
	var terms []query.Query
	for _, tok := range a.Analyze([]byte(DocText(challenge))) {
		t := string(tok.Term)
		if seen[t] {
			continue
		}
		seen[t] = true
		terms = append(terms, termQuery("body", t))
	}
	if len(terms) == 0 {
		return nil, nil
	}
	q := bleve.NewBooleanQuery()
	q.AddShould(terms...)
	filter := query.Query(termQuery("kind", string(f.Kind)))
	if f.Lang != "" {
		filter = bleve.NewConjunctionQuery(filter, termQuery("lang", string(f.Lang)))
	}
	q.AddFilter(filter)
	if f.NotCity != "" {
		q.AddMustNot(termQuery("city", f.NotCity))
	}
	req := bleve.NewSearchRequestOptions(q, limit, 0, false)
	res, err := b.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("bleve search %s: %w", challenge.ID, err)
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids, nil
}

func termQuery(field, term string) *query.TermQuery {
	q := bleve.NewTermQuery(term)
	q.SetField(field)
	return q
}

// Close closes the index; the caller removes its directory.
func (b *Bleve) Close() error { return b.idx.Close() }
