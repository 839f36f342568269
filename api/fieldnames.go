package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode"

	"matchmaker/profiles"
)

// Field names are case-sensitive. encoding/json matches a key to a field
// ignoring case (and folds ſ to s and K to k), and lets a later duplicate
// override an earlier one: {"city_id":"own","CITY_ID":"other"} would decode
// as the other city while a check reading "city_id" saw the own one. checkKeys
// runs before every decode and refuses, at any depth, a key given twice, two
// keys that differ only in case, and a key that names a field only when case is
// ignored, so that the decoded value is the one and only reading of a body.

// checkKeys walks body against the type it will be decoded into and names every
// key that is duplicated, a case variant of another key, or a case variant of a
// field's name. Unknown keys are left to the decoder.
func checkKeys(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	w := keyWalker{dec: dec}
	if err := w.value(t, ""); err != nil {
		// Malformed JSON: the decoder says where.
		return nil
	}
	if len(w.errs) == 0 {
		return nil
	}
	return badRequest(say("%d field name(s) are given twice or in another case: field names are case-sensitive and given once", len(w.errs)), w.errs...)
}

type keyWalker struct {
	dec  *json.Decoder
	errs []profiles.FieldError
}

func (w *keyWalker) fail(field, format string, args ...any) {
	if field == "" {
		field = "(body)"
	}
	w.errs = append(w.errs, profiles.FieldErrorf(field, format, args...))
}

// value reads one JSON value whose Go type is t (nil when unknown: any keys).
func (w *keyWalker) value(t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t.Implements(unmarshaler) || reflect.PointerTo(t).Implements(unmarshaler)) {
		t = nil // the type reads its own keys; duplicates are still refused
	}
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; w.dec.More(); i++ {
			if err := w.value(elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case '{':
		var fields map[string]reflect.Type
		var elem reflect.Type
		if t != nil {
			switch t.Kind() {
			case reflect.Struct:
				fields = jsonFields(t)
			case reflect.Map:
				elem = t.Elem()
			}
		}
		seen := map[string]string{} // folded key -> first key as sent
		for w.dec.More() {
			tok, err := w.dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			field := key
			if path != "" {
				field = path + "." + key
			}
			folded := foldKey(key)
			first, dup := seen[folded]
			switch {
			case dup && first == key:
				w.fail(field, "is given twice: give each field once")
			case dup:
				w.fail(field, "differs from %q, also given, only in case: give each field once, in its documented case", first)
			default:
				seen[folded] = key
			}
			child := elem
			if fields != nil {
				ft, exact := fields[key]
				if !exact {
					for name := range fields {
						if foldKey(name) == folded {
							w.fail(field, "is not a field: field names are case-sensitive; did you mean %q?", name)
							break
						}
					}
				}
				child = ft
			}
			if err := w.value(child, field); err != nil {
				return err
			}
		}
	}
	// The closing delimiter.
	_, err = w.dec.Token()
	return err
}

// foldKey maps a key to one representative of its case-folding class, as
// encoding/json's matching sees it: every rune to the smallest rune of its
// simple folding orbit.
func foldKey(s string) string {
	return strings.Map(func(r rune) rune {
		min := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < min {
				min = f
			}
		}
		return min
	}, s)
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// jsonFields gives the JSON names of a struct's fields, with embedded structs
// flattened, as encoding/json sees them.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	collectFields(t, m)
	fieldCache.Store(t, m)
	return m
}

func collectFields(t reflect.Type, into map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			collectFields(ft, into)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, taken := into[name]; !taken {
			into[name] = f.Type
		}
	}
}
