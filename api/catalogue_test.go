package api_test

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/types"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"

	"matchmaker/locale"
	"matchmaker/profiles"
)

// formatSinks are the functions that take a sentence for a person as a fmt
// format: the callee's full name and the index of its format argument.
var formatSinks = map[string]int{
	"matchmaker/profiles.Sayf":                   0,
	"matchmaker/profiles.Said":                   0,
	"matchmaker/profiles.FieldErrorf":            1,
	"matchmaker/profiles.Conflictf":              0,
	"matchmaker/profiles.Stalef":                 0,
	"(*matchmaker/profiles.ValidationError).add": 1,
	"(*matchmaker/workflow.fieldErrors).add":     1,
	"matchmaker/workflow.conflict":               0,
	"matchmaker/workflow.invalid":                1,
	"matchmaker/workflow.ruleError":              1,
	"matchmaker/workflow.said":                   1,
	"matchmaker/notify.invalid":                  1,
	"matchmaker/api.say":                         0,
	"matchmaker/api.NotReadyf":                   0,
	"matchmaker/api.unauthorized":                0,
	"matchmaker/api.forbidden":                   0,
	"(*matchmaker/api.keyWalker).fail":           1,
	"(*matchmaker/api.query).fail":               1,
	"(*matchmaker/api.query).check":              2,
}

// prefixes are the words a sink puts before its format.
var prefixes = map[string]string{"matchmaker/api.NotReadyf": "not ready: "}

// untranslated are the call sites whose sentence is not a constant, and why
// it is said as it comes, by file and enclosing function.
var untranslated = map[string]string{
	"listener.go cannedAsProblem": "the answer net/http gives itself to a request it could not read, before any handler: English",
	"problem.go toProblem":        "an echo error's message (from a middleware of echo), or the matcher's words for a bad option",
	"server.go NotReadyf":         "hands its format on after \"not ready: \", as the table has it",
	"problem.go textOr":           "the English detail of an error built without its Text (a literal ConflictError{Detail: …})",
	"imports.go domainText":       "a validation error met while an import writes, after every row passed the same validation: a fault of the service, said as it comes",
}

// untranslatedFormats are constant formats said in English on purpose.
var untranslatedFormats = map[string]string{}

// TestEveryProblemTextIsInTheCatalogue walks every call site of the code base
// that says a sentence to a person through a problem (a detail, a field
// error) and checks that its format has a code and that the catalogue says it
// in every language, the English exactly as the format writes it.
func TestEveryProblemTextIsInTheCatalogue(t *testing.T) {
	cat := locale.MustLoad()
	pkgs, err := packages.Load(&packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo,
		Dir:  "..",
	}, "matchmaker/...")
	if err != nil {
		t.Fatal(err)
	}
	formats := map[string]string{} // format -> first call site
	for _, pkg := range pkgs {
		for _, e := range pkg.Errors {
			t.Errorf("%s: %v", pkg.PkgPath, e)
		}
		for _, f := range pkg.Syntax {
			file := filepath.Base(pkg.Fset.Position(f.Pos()).Filename)
			for _, decl := range f.Decls {
				fn, ok := decl.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				enclosing := fn.Name.Name
				if fn.Recv != nil && len(fn.Recv.List) > 0 {
					enclosing = recvName(fn.Recv.List[0].Type) + "." + enclosing
				}
				params := map[types.Object]bool{}
				for _, fl := range fn.Type.Params.List {
					for _, n := range fl.Names {
						params[pkg.TypesInfo.Defs[n]] = true
					}
				}
				selfSink := isSink(pkg.TypesInfo.Defs[fn.Name])
				ast.Inspect(fn.Body, func(n ast.Node) bool {
					if cl, ok := n.(*ast.CompositeLit); ok {
						checkFieldErrorLiteral(t, pkg, cl, file+" "+enclosing)
						return true
					}
					call, ok := n.(*ast.CallExpr)
					if !ok {
						return true
					}
					callee := calleeOf(pkg.TypesInfo, call)
					if callee == nil {
						return true
					}
					i, ok := formatSinks[callee.FullName()]
					if !ok || len(call.Args) <= i {
						return true
					}
					where := fmt.Sprintf("%s (%s)", pkg.Fset.Position(call.Pos()), enclosing)
					arg := call.Args[i]
					if tv := pkg.TypesInfo.Types[arg]; tv.Value != nil && tv.Value.Kind() == constant.String {
						format := prefixes[callee.FullName()] + constant.StringVal(tv.Value)
						if _, seen := formats[format]; !seen {
							formats[format] = where
						}
						return true
					}
					if id, ok := arg.(*ast.Ident); ok && params[pkg.TypesInfo.Uses[id]] && selfSink {
						return true // a sink handing its own format on
					}
					if _, ok := untranslated[file+" "+enclosing]; !ok {
						t.Errorf("%s: the sentence given to %s is not a constant format: give one (and its code), or list the call site in untranslated with why", where, callee.Name())
					}
					return true
				})
			}
		}
	}
	if len(formats) < 200 {
		t.Fatalf("found %d formats: the walk missed the call sites", len(formats))
	}
	for format, where := range formats {
		if _, ok := untranslatedFormats[format]; ok {
			continue
		}
		code, ok := profiles.TextCode(format)
		if !ok {
			t.Errorf("%s: %q has no code in profiles/texts_table.go", where, format)
			continue
		}
		id := "problems." + code
		if !cat.Has(id) {
			t.Errorf("%s: %q: the catalogue has no message %s", where, format, id)
			continue
		}
		args := sampleArgs(format)
		text := profiles.Sayf(format, args...)
		if got := cat.Text(locale.English, id, text.Params); got != text.English {
			t.Errorf("%s: the English of %s is %q, the code writes %q", where, id, got, text.English)
		}
		for _, l := range locale.Langs {
			if got := cat.Text(l, id, text.Params); strings.Contains(got, "<no value>") || strings.Contains(got, "{{") {
				t.Errorf("%s in %s: %q", id, l, got)
			}
		}
	}
	// Every code of the table is used, so that the table says what the code
	// base says.
	for format, code := range profiles.TextFormats() {
		if _, used := formats[format]; !used {
			t.Errorf("code %s (%q) is said nowhere: remove it from profiles/texts_table.go and the catalogue", code, format)
		}
	}
}

// checkFieldErrorLiteral refuses a profiles.FieldError written with a message
// outside FieldErrorf: it would have no code.
func checkFieldErrorLiteral(t *testing.T, pkg *packages.Package, cl *ast.CompositeLit, where string) {
	tv, ok := pkg.TypesInfo.Types[cl]
	if !ok || tv.Type.String() != "matchmaker/profiles.FieldError" {
		return
	}
	for _, el := range cl.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Message" && where != "errors.go FieldErrorf" {
				t.Errorf("%s (%s): a FieldError written by hand: use profiles.FieldErrorf, so that it has a code", pkg.Fset.Position(cl.Pos()), where)
			}
		}
	}
}

func calleeOf(info *types.Info, call *ast.CallExpr) *types.Func {
	var id *ast.Ident
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		id = fn
	case *ast.SelectorExpr:
		id = fn.Sel
	default:
		return nil
	}
	f, _ := info.Uses[id].(*types.Func)
	return f
}

func isSink(obj types.Object) bool {
	f, ok := obj.(*types.Func)
	if !ok {
		return false
	}
	_, ok = formatSinks[f.FullName()]
	return ok
}

func recvName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return recvName(x.X)
	case *ast.Ident:
		return x.Name
	case *ast.IndexExpr:
		return recvName(x.X)
	}
	return "?"
}

// sampleArgs gives one value of the right kind for each verb of format.
func sampleArgs(format string) []any {
	var out []any
	for _, v := range profiles.Verbs(format) {
		switch v[len(v)-1] {
		case 'd':
			out = append(out, 7)
		case 'g', 'f':
			out = append(out, 0.5)
		default:
			out = append(out, "x")
		}
	}
	return out
}
