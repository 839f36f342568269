package profiles

import (
	"errors"
	"strings"
)

// ErrNotFound is returned when the requested row does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write contradicts the stored state, such as
// deleting a city that still has practices, or a stale version.
var ErrConflict = errors.New("conflict")

// ErrUnavailable is returned when the database cannot be reached.
var ErrUnavailable = errors.New("database unavailable")

// FieldError names one invalid field of an input and says what is wrong with it.
// Message is in English; Code names the message in the catalogue (package
// locale, domain problems) and Params fills its placeholders, so that a door
// says it in the reader's language. Build one with FieldErrorf.
type FieldError struct {
	Field   string         `json:"field"`
	Code    string         `json:"code,omitempty"`
	Message string         `json:"message"`
	Params  map[string]any `json:"-"`
}

// FieldErrorf is the error of field, the message written as format and args
// (fmt's verbs), with its code and parameters from the table of texts.
func FieldErrorf(field, format string, args ...any) FieldError {
	t := Sayf(format, args...)
	return FieldError{Field: field, Code: t.Code, Message: t.English, Params: t.Params}
}

// Text is the field's message as a Text, to say in a reader's language.
func (f FieldError) Text() Text { return Text{English: f.Message, Code: f.Code, Params: f.Params} }

// ValidationError collects every invalid field of one input, so that a caller can
// fix them all at once instead of one per round trip.
type ValidationError struct {
	Fields []FieldError
}

// Error lists the invalid fields.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// add records one field error.
func (e *ValidationError) add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldErrorf(field, format, args...))
}

// has reports whether field already has an error, so that a later check does not
// pile a second message on a field that is already wrong.
func (e *ValidationError) has(field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// err returns e when it holds at least one field error, and nil otherwise.
func (e *ValidationError) err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// ConflictError explains a conflict in words a user can act on: Detail in
// English, and Text to say it in the reader's language. Build one with
// Conflictf.
type ConflictError struct {
	Detail string
	Text   Text
	// Fields name the fields whose values conflict, when some do (a
	// reference another row has).
	Fields []FieldError
}

// Conflictf is a conflict whose detail is format and args (fmt's verbs).
func Conflictf(format string, args ...any) *ConflictError {
	t := Sayf(format, args...)
	return &ConflictError{Detail: t.English, Text: t}
}

// Error returns the detail.
func (e *ConflictError) Error() string { return e.Detail }

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// StaleError is returned when a write names a version (If-Match) that is no longer
// the stored one. Build one with Stalef.
type StaleError struct {
	Detail string
	Text   Text
}

// Stalef is a stale version whose detail is format and args (fmt's verbs).
func Stalef(format string, args ...any) *StaleError {
	t := Sayf(format, args...)
	return &StaleError{Detail: t.English, Text: t}
}

// Error returns the detail.
func (e *StaleError) Error() string { return e.Detail }

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *StaleError) Unwrap() error { return ErrConflict }
