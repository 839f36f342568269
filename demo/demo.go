// Package demo holds the demo network of matchmaker, written for this project: real
// cities of every world region with practices, challenges and experts in English,
// French and Spanish on the subjects cities bring to peer learning. Load puts it in
// a store in one transaction.
//
// It imports profiles only.
package demo

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"matchmaker/profiles"
)

//go:embed data/*.json
var data embed.FS

// Counts says how many rows of each kind were loaded.
type Counts struct {
	Cities, Practices, Challenges, Experts int
}

// cityRecord is a city of the data files, with the key others refer to it by.
type cityRecord struct {
	Key string `json:"key"`
	profiles.CityInput
}

// cityRef is a practice, challenge or expert of the data files: it names its city
// by key, since IDs are only made when the row is stored.
type cityRef struct {
	City string `json:"city"`
}

type practiceRecord struct {
	cityRef
	profiles.PracticeInput
}

type challengeRecord struct {
	cityRef
	profiles.ChallengeInput
}

type expertRecord struct {
	cityRef
	profiles.ExpertInput
}

// Load stores the demo network in s, all of it or nothing.
func Load(ctx context.Context, s *profiles.Store) (Counts, error) {
	var (
		n          Counts
		cities     []cityRecord
		practices  []practiceRecord
		challenges []challengeRecord
		experts    []expertRecord
	)
	if err := readData(&cities, &practices, &challenges, &experts); err != nil {
		return n, err
	}
	err := s.InTx(ctx, func(tx *profiles.Store) error {
		n = Counts{}
		tx = tx.WithIDs(newIDs())
		ids := make(map[string]string, len(cities))
		for _, c := range cities {
			created, err := tx.CreateCity(ctx, c.CityInput)
			if err != nil {
				return fmt.Errorf("city %s: %w", c.Key, err)
			}
			ids[c.Key] = created.ID
			n.Cities++
		}
		city := func(key string) (string, error) {
			id, ok := ids[key]
			if !ok {
				return "", fmt.Errorf("unknown city key %q", key)
			}
			return id, nil
		}
		for _, p := range practices {
			id, err := city(p.City)
			if err != nil {
				return fmt.Errorf("practice %q: %w", p.Title, err)
			}
			p.CityID = id
			if _, err := tx.CreatePractice(ctx, p.PracticeInput); err != nil {
				return fmt.Errorf("practice %q: %w", p.Title, err)
			}
			n.Practices++
		}
		for _, c := range challenges {
			id, err := city(c.City)
			if err != nil {
				return fmt.Errorf("challenge %q: %w", c.Title, err)
			}
			c.CityID = id
			if _, err := tx.CreateChallenge(ctx, c.ChallengeInput); err != nil {
				return fmt.Errorf("challenge %q: %w", c.Title, err)
			}
			n.Challenges++
		}
		for _, e := range experts {
			if e.City != "" {
				id, err := city(e.City)
				if err != nil {
					return fmt.Errorf("expert %q: %w", e.Name, err)
				}
				e.CityID = &id
			}
			if _, err := tx.CreateExpert(ctx, e.ExpertInput); err != nil {
				return fmt.Errorf("expert %q: %w", e.Name, err)
			}
			n.Experts++
		}
		return nil
	})
	if err != nil {
		return Counts{}, fmt.Errorf("load demo network: %w", err)
	}
	return n, nil
}

// readData reads the demo network's data files.
func readData(cities *[]cityRecord, practices *[]practiceRecord, challenges *[]challengeRecord, experts *[]expertRecord) error {
	for _, f := range []struct {
		glob string
		into func([]byte) error
	}{
		{"cities*.json", appendJSON(cities)},
		{"practices*.json", appendJSON(practices)},
		{"challenges*.json", appendJSON(challenges)},
		{"experts*.json", appendJSON(experts)},
	} {
		names, err := fs.Glob(data, path.Join("data", f.glob))
		if err != nil {
			return err
		}
		for _, name := range names {
			b, err := data.ReadFile(name)
			if err != nil {
				return err
			}
			if err := f.into(b); err != nil {
				return fmt.Errorf("read %s: %w", name, err)
			}
		}
	}
	return nil
}

// newIDs returns a generator of the demo network's IDs: ULIDs from a fixed clock
// and a fixed seed, so that the same data gets the same IDs everywhere and the
// README's examples can name them.
func newIDs() func() string {
	rng := rand.New(rand.NewPCG(2026, 11))
	entropy := ulid.Monotonic(readerFunc(func(p []byte) (int, error) {
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
		return len(p), nil
	}), 0)
	t := ulid.Timestamp(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	return func() string {
		t++
		return strings.ToLower(ulid.MustNew(t, entropy).String())
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func appendJSON[T any](into *[]T) func([]byte) error {
	return func(b []byte) error {
		// Strict, so that a misspelt field in the data fails the load
		// instead of silently leaving a default.
		var items []T
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&items); err != nil {
			return err
		}
		*into = append(*into, items...)
		return nil
	}
}
