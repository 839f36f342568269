package workflow_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The application layer knows no HTTP and no door: its files import neither
// net/http nor echo, nor api, web or cmd.
func TestWorkflowKnowsNoHTTP(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case path == "net/http", strings.HasPrefix(path, "net/http/"), strings.HasPrefix(path, "github.com/labstack/echo"),
				path == "matchmaker/api", path == "matchmaker/web", strings.HasPrefix(path, "matchmaker/cmd"):
				t.Errorf("%s imports %s", f, path)
			}
		}
	}
}
