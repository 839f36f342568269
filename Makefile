# matchmaker: the same targets run on a laptop and in CI.
GO        ?= go
PKGS      ?= ./...
BENCHTIME ?= 1x

.PHONY: run demo build test test-short lint fmt bench fuzz clean

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
	$(GO) test -race -count=1 $(PKGS)

## test-short: the tests without the race detector, for a quick loop
test-short:
	$(GO) test -count=1 $(PKGS)

## lint: go vet, gofmt and staticcheck
lint:
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) tool staticcheck $(PKGS)

## fmt: format the code
fmt:
	gofmt -w $$(git ls-files '*.go')

## bench: the benchmarks, with their baselines in the same run
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 $(PKGS)

## fuzz: each fuzz target for a bounded time
FUZZTIME ?= 20s
fuzz:
	$(GO) test ./matcher -run '^$$' -fuzz FuzzAnalyze -fuzztime $(FUZZTIME)

clean:
	rm -f matchmaker matchmaker.db matchmaker.db-shm matchmaker.db-wal
