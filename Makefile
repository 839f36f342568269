# matchmaker: the same targets run on a laptop and in CI.
GO        ?= go
PKGS      ?= ./...
BENCHTIME ?= 1x

.PHONY: run demo build test test-short lint openapi-lint fmt bench fuzz clean loadtest bridge-data screenshots

## run: run the service with the demo network on the embedded SQLite default
run:
	$(GO) run ./cmd/matchmaker serve --demo

## build: build the matchmaker binary
build:
	$(GO) build -o matchmaker ./cmd/matchmaker

## test: every test, with the race detector, on SQLite and on PostgreSQL at
## TEST_DATABASE_URL (default: the local server); under CI=true an unreachable
## PostgreSQL fails the run instead of skipping
test:
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

## test-short: the tests without the race detector, for a quick loop
test-short:
	$(GO) test -count=1 $(PKGS)

## lint: go.mod and go.sum tidy, go vet, gofmt, staticcheck and the OpenAPI
## document's lint
lint: openapi-lint
	$(GO) mod tidy -diff
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) tool staticcheck $(PKGS)

## openapi-lint: api/openapi.json against redocly's recommended rules
## (redocly.yaml), no error and no warning allowed; needs Node.js (npx)
REDOCLY ?= @redocly/cli@2.77.0
openapi-lint:
	@command -v npx >/dev/null || { echo "openapi-lint needs npx (Node.js and npm): apt-get install nodejs npm"; exit 1; }
	@out=$$(npx --yes $(REDOCLY) lint --format=stylish api/openapi.json 2>&1); status=$$?; \
	  echo "$$out" | grep -v '[║╔╚]'; \
	  if [ $$status -ne 0 ] || echo "$$out" | grep -qE '^ +[0-9]+:[0-9]+ +(error|warning) '; then \
	    echo "openapi-lint: api/openapi.json has errors or warnings"; exit 1; fi

## fmt: format the code
fmt:
	gofmt -w $$(git ls-files '*.go')

## bridge-data: regenerate matcher/bridgedata (EuroVoc concepts and word
## translations, embedded in the binary) from the sources in BRIDGE_SRC; see
## docs/data-sources.md for what goes there, from where, under which licence
BRIDGE_SRC ?= bridge-src
bridge-data:
	$(GO) run ./matcher/internal/bridgegen -src $(BRIDGE_SRC) -out matcher/bridgedata

## screenshots: the pictures of the main pages in English, French and Spanish
## in docs/ui/, taken by chromium from the demo network
screenshots:
	MATCHMAKER_SCREENSHOTS=1 $(GO) test -run TestScreenshots -count=1 ./web/

## bench: the benchmarks, with their baselines in the same run
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 $(PKGS)

## loadtest: a bounded load on loopback (80% suggestions, 15% reads, 5% writes)
## against 100,000 indexed documents, on SQLite and PostgreSQL; see
## docs/benchmarks.md. LOADTEST_DURATION, LOADTEST_WARMUP and LOADTEST_WORKERS
## (a comma-separated list) tune it
LOADTEST_WORKERS ?= 8,16
loadtest:
	LOADTEST_WORKERS=$(LOADTEST_WORKERS) $(GO) test -tags loadtest -run TestLoad -count=1 -v -timeout 30m ./api/

## fuzz: every fuzz target of $(PKGS), one after the other (go test fuzzes one
## target a run), $(FUZZTIME) each; their seed corpora (f.Add and testdata/fuzz)
## also run with every `make test`. A failing input lands in testdata/fuzz: commit it.
## Fuzzing runs on Go 1.27.3, which the go command fetches from the module
## proxy: Go 1.26's fuzz coordinator can report "context deadline exceeded" as
## a failure when -fuzztime ends while a worker is mid-call (go.dev/issue/75804,
## fixed in 1.27). The module itself stays on the Go that go.mod names.
FUZZTIME         ?= 20s
FUZZMINIMIZETIME ?= 5s
FUZZTOOLCHAIN    ?= go1.27.3
fuzz:
	@set -e; pkgs=$$($(GO) list -f '{{.ImportPath}} {{.Dir}}{{range .TestGoFiles}} {{.}}{{end}}{{range .XTestGoFiles}} {{.}}{{end}}' $(PKGS)); \
	echo "$$pkgs" | while read -r pkg dir files; do \
	  [ -n "$$files" ] || continue; \
	  for target in $$(cd "$$dir" && sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$files); do \
	    echo "--- fuzz $$pkg $$target for $(FUZZTIME)"; \
	    GOTOOLCHAIN=$(FUZZTOOLCHAIN) $(GO) test "$$pkg" -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME); \
	  done; \
	done

clean:
	rm -f matchmaker matchmaker.db matchmaker.db-shm matchmaker.db-wal matchmaker.db.migrate-lock
