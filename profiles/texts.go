package profiles

import (
	"fmt"
	"strconv"
	"strings"
)

// Text is a sentence for a person, kept so that a door can say it in the
// reader's language: English is the sentence as written in the code, Code
// names it in the message catalogue (package locale, domain problems, ID
// "problems.<code>") and Params fill the catalogue's placeholders: P1, P2, …,
// the arguments of the English format in order, each written as its verb
// writes it (%q quotes, %d a whole number).
//
// The codes are stable: clients may read them (FieldError's "code"). A
// sentence whose format is not in the table has no code and is said in
// English; a test walks every call site and fails on such a format.
type Text struct {
	English string
	Code    string
	Params  map[string]any
}

// Sayf is the Text of format and args (fmt's verbs). Without args, format is
// the sentence itself, percent signs and all.
func Sayf(format string, args ...any) Text {
	t := Text{English: format, Code: textCodes[format]}
	if len(args) == 0 {
		return t
	}
	t.English = fmt.Sprintf(format, args...)
	verbs := Verbs(format)
	t.Params = make(map[string]any, len(args))
	for i, a := range args {
		// A Text inside a Text (a rule's reason inside a refusal) stays a
		// Text, so that a door says it in the reader's language too.
		if inner, ok := a.(Text); ok {
			t.Params["P"+strconv.Itoa(i+1)] = inner
			continue
		}
		v := "%v"
		if i < len(verbs) {
			v = verbs[i]
		}
		t.Params["P"+strconv.Itoa(i+1)] = fmt.Sprintf(v, a)
	}
	return t
}

// String is the English sentence, so that a Text formats as itself with %s.
func (t Text) String() string { return t.English }

// Sentence returns the code, the English and the parameters of t, for the
// catalogue that says it in a reader's language (locale.Catalogue.Say).
func (t Text) Sentence() (code, english string, params map[string]any) {
	return t.Code, t.English, t.Params
}

// Said is the Text of a sentence built elsewhere (a reason another package
// gives): its code when the table has it as a format without placeholders.
func Said(sentence string) Text {
	return Text{English: sentence, Code: textCodes[sentence]}
}

// TextCode returns the code of the sentence written as format, and whether
// the table has it.
func TextCode(format string) (string, bool) {
	c, ok := textCodes[format]
	return c, ok
}

// TextFormats returns every format of the table with its code.
func TextFormats() map[string]string {
	out := make(map[string]string, len(textCodes))
	for f, c := range textCodes {
		out[f] = c
	}
	return out
}

// Verbs lists the verbs of a fmt format in order, flags and width included
// ("%q", "%.1f"); "%%" is no verb.
func Verbs(format string) []string {
	var out []string
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("+-# 0123456789.[]*", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			break
		}
		if format[j] != '%' {
			out = append(out, format[i:j+1])
		}
		i = j
	}
	return out
}
