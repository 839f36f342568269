package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
)

// maxBodyBytes bounds every request body.
const maxBodyBytes = 1 << 20

// readJSONBody checks the media type and reads the body. allowed lists the JSON
// media types the route accepts.
func readJSONBody(c echo.Context, allowed ...string) ([]byte, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !slices.Contains(allowed, mt) {
		return nil, newProblem(http.StatusUnsupportedMediaType, say("the body must be sent as %s, not %q", strings.Join(allowed, " or "), ct))
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
			return nil, echo.ErrStatusRequestEntityTooLarge
		}
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return nil, he
		}
		return nil, badRequest(say("could not read the request body"))
	}
	return body, nil
}

// decodeStrict decodes exactly one JSON value into v, refusing unknown fields, so
// that a misspelt field is an error instead of a silent no-op.
func decodeStrict(body []byte, v any) error {
	if err := checkUTF8(body); err != nil {
		return err
	}
	if err := checkKeys(body, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if dec.More() {
		return badRequest(say("the body must hold a single JSON value"))
	}
	var extra any
	if err := dec.Decode(&extra); err != io.EOF {
		return badRequest(say("the body must hold a single JSON value"))
	}
	return nil
}

// jsonProblem explains a decoding error in terms of the request's fields.
func jsonProblem(err error) *Problem {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return badRequest(say("malformed JSON at byte %d: %v", syn.Offset, syn))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest(say("the body is empty or ends too early: send a JSON object"))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		want := jsonType(typ.Type.Kind().String())
		if n, ok := strings.CutPrefix(typ.Value, "number "); ok && want == "a number" {
			// The right type, but a value the field cannot hold: 1e400, or 1.5
			// for a count.
			return badRequest(say("a field has a number it cannot hold"), profiles.FieldErrorf(field, "%s is out of range or not a whole number", n))
		}
		return badRequest(say("a field has the wrong type"), wrongType(field, want, typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if name == "" {
			name = unnamed
		}
		return badRequest(say("the body has a field this resource does not have"), profiles.FieldErrorf(name, "unknown or read-only field"))
	}
	return badRequest(say("malformed JSON: %s", err.Error()))
}

// checkUTF8 refuses a body that is not UTF-8 (RFC 8259, section 8.1). The
// decoder would quietly replace each bad byte with U+FFFD, and so store a text
// that differs from the one the client holds; the problem names the field instead.
//
// An escaped UTF-16 surrogate that is not half of a pair ("\ud800") is no
// character either, and the decoder replaces it with U+FFFD just the same: it is
// refused as well, naming the field.
func checkUTF8(body []byte) error {
	if !utf8.Valid(body) {
		return badRequest(say("the body is not valid UTF-8: JSON must be sent as UTF-8"),
			profiles.FieldErrorf(invalidUTF8Field(body), "is not valid UTF-8"))
	}
	if bytes.Contains(body, []byte(`\u`)) && hasLoneSurrogate(body) {
		return badRequest(say("the body holds an escaped UTF-16 surrogate that is not part of a pair, such as \\ud800: it is not a character"),
			profiles.FieldErrorf(invalidField(body, hasLoneSurrogate), "holds an escaped lone surrogate (\\ud800 to \\udfff), which is not a character"))
	}
	return nil
}

// hasLoneSurrogate reports whether JSON text holds a \u escape of a UTF-16
// surrogate that is not followed (a high one) or preceded (a low one) by its
// other half. An escaped backslash followed by "ud800" is no escape.
func hasLoneSurrogate(raw []byte) bool {
	hex4 := func(b []byte) (rune, bool) {
		if len(b) < 4 {
			return 0, false
		}
		v, err := strconv.ParseUint(string(b[:4]), 16, 16)
		return rune(v), err == nil
	}
	isLow := func(r rune) bool { return r >= 0xdc00 && r <= 0xdfff }
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++ // the escaped character: \\, \", n, u ...
		if i >= len(raw) || raw[i] != 'u' {
			continue
		}
		r, ok := hex4(raw[i+1:])
		if !ok {
			continue
		}
		i += 4
		switch {
		case isLow(r):
			return true
		case r >= 0xd800 && r <= 0xdbff:
			if i+2 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				if lo, ok := hex4(raw[i+3:]); ok && isLow(lo) {
					i += 6
					continue
				}
			}
			return true
		}
	}
	return false
}

// invalidUTF8Field names the field of the first string of body that is not UTF-8.
func invalidUTF8Field(body []byte) string {
	return invalidField(body, func(raw []byte) bool { return !utf8.Valid(raw) })
}

// invalidField walks the tokens of body up to its first string whose raw text
// is bad and returns that string's field, as the validation errors name fields
// (contact.email, track_record[2].title); "(body)" when it cannot tell.
func invalidField(body []byte, bad func(raw []byte) bool) string {
	type level struct {
		object  bool
		key     string
		index   int
		wantKey bool
	}
	var stack []level
	path := func() string {
		var b strings.Builder
		for _, l := range stack {
			switch {
			case !l.object:
				fmt.Fprintf(&b, "[%d]", l.index)
			case b.Len() > 0:
				b.WriteString("." + l.key)
			default:
				b.WriteString(l.key)
			}
		}
		if b.Len() == 0 {
			return "(body)"
		}
		return b.String()
	}
	next := func() { // a value ended: the enclosing level moves on
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var start int64
	for {
		tok, err := dec.Token()
		if err != nil {
			return "(body)"
		}
		end := dec.InputOffset()
		raw := body[start:end]
		start = end
		n := len(stack)
		switch tok := tok.(type) {
		case json.Delim:
			switch tok {
			case '{':
				stack = append(stack, level{object: true, wantKey: true})
			case '[':
				stack = append(stack, level{})
			default:
				stack = stack[:n-1]
				next()
			}
		case string:
			isKey := n > 0 && stack[n-1].object && stack[n-1].wantKey
			if isKey {
				stack[n-1].key, stack[n-1].wantKey = tok, false
			}
			if bad(raw) {
				return path()
			}
			if !isKey {
				next()
			}
		default:
			next()
		}
	}
}

// wrongType is the error of a field that wants jsonType's answer and got a
// value of JSON type got.
func wrongType(field, want, got string) profiles.FieldError {
	switch want {
	case "a string":
		return profiles.FieldErrorf(field, "must be a string, not %s", got)
	case "an array":
		return profiles.FieldErrorf(field, "must be an array, not %s", got)
	case "an object":
		return profiles.FieldErrorf(field, "must be an object, not %s", got)
	case "a boolean":
		return profiles.FieldErrorf(field, "must be a boolean, not %s", got)
	}
	return profiles.FieldErrorf(field, "must be a number, not %s", got)
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "bool":
		return "a boolean"
	}
	return "a number"
}

// mergePatch applies an RFC 7386 JSON merge patch to doc: objects merge key by key,
// null removes a key, anything else replaces.
func mergePatch(doc, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	d, ok := doc.(map[string]any)
	if !ok {
		d = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(d, k)
			continue
		}
		d[k] = mergePatch(d[k], v)
	}
	return d
}

// applyPatch returns current with the merge patch body applied, decoded strictly.
func applyPatch[In any](current In, body []byte) (In, error) {
	var out In
	err := applyPatchInto(current, body, &out)
	return out, err
}

// applyPatchInto decodes current with the merge patch body applied into out (a
// pointer), strictly.
func applyPatchInto(current any, body []byte, out any) error {
	if err := checkUTF8(body); err != nil {
		return err
	}
	if err := checkKeys(body, reflect.TypeOf(out)); err != nil {
		return err
	}
	// Numbers stay as their JSON text (json.Number) through the merge: as
	// float64, 1e-400 would become 0 and 1.0000000000000000000001 would become
	// 1, both accepted where a POST refuses them. So the merged document is
	// decoded as a POST body is, and refused with the same words.
	patch, err := decodeNumbers(body)
	if err != nil {
		return err
	}
	if _, ok := patch.(map[string]any); !ok {
		return badRequest(say("a merge patch must be a JSON object"))
	}
	raw, err := json.Marshal(current)
	if err != nil {
		return fmt.Errorf("encode current state: %w", err)
	}
	doc, err := decodeNumbers(raw)
	if err != nil {
		return fmt.Errorf("decode current state: %w", err)
	}
	merged, err := json.Marshal(mergePatch(doc, patch))
	if err != nil {
		return fmt.Errorf("encode merged state: %w", err)
	}
	return decodeStrict(merged, out)
}

// decodeNumbers decodes one JSON value, keeping numbers as json.Number.
func decodeNumbers(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest(say("the body must hold a single JSON value"))
	}
	return v, nil
}

// query parses a request's query parameters, refusing unknown ones and collecting
// every bad value.
type query struct {
	values  url.Values
	allowed []string
	errs    []profiles.FieldError
}

func newQuery(c echo.Context, allowed ...string) *query {
	q := &query{values: c.QueryParams(), allowed: allowed}
	for name := range q.values {
		if !slices.Contains(allowed, name) {
			if name == "" { // "?=x": a problem names every parameter
				name = unnamed
			}
			q.fail(name, "unknown query parameter; this route takes %s", strings.Join(allowed, ", "))
		}
	}
	return q
}

// maxQueryValueLen bounds the value of any query parameter.
const maxQueryValueLen = 1000

// unnamed stands for a field or a parameter sent without a name, so that a
// problem names every one.
const unnamed = "(unnamed)"

func (q *query) fail(name, format string, args ...any) {
	q.errs = append(q.errs, profiles.FieldErrorf(name, format, args...))
}

// str returns a parameter's value; a parameter given twice is an error.
func (q *query) str(name string) string {
	vs := q.values[name]
	if len(vs) > 1 {
		q.fail(name, "must be given once")
	}
	if len(vs) == 0 {
		return ""
	}
	// No value of any parameter holds control characters or bytes that are
	// not UTF-8. bun, as it quotes a value into SQL, drops NUL bytes and
	// turns bad bytes into U+FFFD: q=%00 would match every row. Refuse them.
	switch v := vs[0]; {
	case len(v) > maxQueryValueLen:
		// SQLite refuses a LIKE pattern over 50,000 bytes; no name, code or
		// ID comes close to this.
		q.fail(name, "must be at most %d bytes", maxQueryValueLen)
		return ""
	case !utf8.ValidString(v):
		q.fail(name, "must be valid UTF-8")
		return ""
	case strings.ContainsFunc(v, unicode.IsControl):
		q.fail(name, "must not contain control characters")
		return ""
	}
	return strings.TrimSpace(vs[0])
}

func (q *query) enum(name string, allowed []string) string {
	v := strings.ToLower(q.str(name))
	if v != "" && !slices.Contains(allowed, v) {
		q.fail(name, "unknown value %q: one of %s", v, strings.Join(allowed, ", "))
	}
	return v
}

// check refuses a value ok does not take, with format (one %q: the value).
func (q *query) check(name string, ok func(string) bool, format string) string {
	v := q.str(name)
	if v != "" && !ok(v) {
		q.fail(name, format, v)
	}
	return v
}

func (q *query) country(name string) string {
	return strings.ToUpper(q.check(name, func(s string) bool { return profiles.IsCountry(strings.ToUpper(s)) }, "%q: not an ISO 3166-1 alpha-2 country code"))
}

func (q *query) language(name string) string {
	return strings.ToLower(q.check(name, func(s string) bool { return profiles.IsLanguage(strings.ToLower(s)) }, "%q: not an ISO 639-1 language code"))
}

func (q *query) intIn(name string, def, lo, hi int) int {
	v := q.str(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		q.fail(name, "must be a whole number from %d to %d", lo, hi)
		return def
	}
	return n
}

func (q *query) boolean(name string, def bool) bool {
	v := q.str(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		q.fail(name, "must be true or false")
		return def
	}
	return b
}

// page reads limit and cursor.
func (q *query) page() profiles.Page {
	p := profiles.Page{Limit: q.intIn("limit", profiles.DefaultLimit, 1, profiles.MaxLimit)}
	if c := q.str("cursor"); c != "" {
		id, ok := decodeCursor(c)
		if !ok {
			q.fail("cursor", "not a cursor this service issued: pass next_cursor from a previous page")
		}
		p.After = id
	}
	return p
}

func (q *query) err() error {
	if len(q.errs) == 0 {
		return nil
	}
	return badRequest(say("%d query parameter(s) are invalid: see errors", len(q.errs)), q.errs...)
}

// Cursors are opaque to clients; inside, they name the last row of the page.
const cursorPrefix = "c1:"

func encodeCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + id))
}

func decodeCursor(s string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !bytes.HasPrefix(b, []byte(cursorPrefix)) || len(b) == len(cursorPrefix) || len(b) > 64 ||
		!utf8.Valid(b) || bytes.ContainsFunc(b, unicode.IsControl) {
		return "", false
	}
	return string(b[len(cursorPrefix):]), true
}

// bindJSON reads the JSON body of a route that takes no query parameter into v,
// strictly: the one way the action routes (edits, transitions, answers …) read
// their request.
func bindJSON(c echo.Context, v any) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	body, err := readJSONBody(c, echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	return decodeInto(c, body, v)
}

// decodeInto is how every write route turns its body into v: decoded once,
// strictly (unknown, duplicate and case-variant keys refused), then checked
// against the route's ownership rule on the decoded value.
func decodeInto(c echo.Context, body []byte, v any) error {
	if err := decodeStrict(body, v); err != nil {
		return err
	}
	return ownBody(c, v)
}
