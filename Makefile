# feedpub: see README.md.
GO      ?= go
SEEDS   ?= seeds
OUT     ?= public
BIN     ?= bin/feedpub

.PHONY: all run feeds test test-long validate lint build bench fuzz soak clean

all: build

## run: serve the bundled seeds on http://127.0.0.1:8080/ (Ctrl-C stops)
run:
	$(GO) run ./cmd/feedpub serve -seeds $(SEEDS)

## feeds: write every feed and page of the bundled seeds into public/
feeds:
	$(GO) run ./cmd/feedpub build -seeds $(SEEDS) -out $(OUT)

## test: the fast suite, with the race detector: every test but the long ones
## (checks whose tool is missing skip with a message; FEEDPUB_REQUIRE_TOOLS=1
## makes them fail instead)
test:
	$(GO) test -race -short -count=1 -timeout 15m ./...

# LONG_TESTS are the tests that call longtest.Mark: make test skips them and
# make test-long runs only them, so the two together run every test once
# (internal/longtest checks that this list is complete).
LONG_TESTS = TestBrowser|TestBuildKilled|TestBuildKilledState|TestHostileRequests|TestPolicyInBrowser|TestWatchOverflowRescans

## test-long: the long tests make test skips: 10,000 posts killed mid-build,
## 2,000 idle connections, a 20,000-file watch overflow, headless Chromium
test-long:
	$(GO) test -race -count=1 -timeout 30m -run '^($(LONG_TESTS))$$' ./...

## validate: the checks by jing, Python's feedparser, newsboat and Chromium;
## fails if a tool is missing (they run in make test too, skipping without it)
validate:
	FEEDPUB_REQUIRE_TOOLS=1 $(GO) test -race -count=1 -run 'TestFeedsValid|TestBuildFeedsValid|TestNewsboat|TestOPMLNewsboat|TestBrowser|TestPolicyInBrowser' ./...

FUZZTIME ?= 60s

## fuzz: run every fuzz target for FUZZTIME each; failing inputs land in <pkg>/testdata/fuzz/
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$'      -fuzztime $(FUZZTIME) ./loader/
	$(GO) test -run '^$$' -fuzz '^FuzzParseDate$$'  -fuzztime $(FUZZTIME) ./loader/
	$(GO) test -run '^$$' -fuzz '^FuzzCategories$$' -fuzztime $(FUZZTIME) ./loader/
	$(GO) test -run '^$$' -fuzz '^FuzzMarkdownTime$$' -fuzztime $(FUZZTIME) ./loader/
	$(GO) test -run '^$$' -fuzz '^FuzzSlug$$'       -fuzztime $(FUZZTIME) ./feed/
	$(GO) test -run '^$$' -fuzz '^FuzzSanitize$$'   -fuzztime $(FUZZTIME) ./feed/
	$(GO) test -run '^$$' -fuzz '^FuzzBuild$$'      -fuzztime $(FUZZTIME) ./feed/publish/
	$(GO) test -run '^$$' -fuzz '^FuzzFeeds$$'      -fuzztime $(FUZZTIME) ./feed/

## soak: 60 s of load and churn, hostile requests with 10,000 idle connections, 50 killed builds (loopback only)
soak:
	$(GO) test -tags soak -count=1 -v -timeout 30m -run 'TestSoak|TestHostileRequests|TestBuildKilled' ./cmd/feedpub/

## lint: formatting, vet and staticcheck
lint:
	@fmt=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$fmt" ]; then echo "gofmt would change: $$fmt"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

## build: the feedpub binary in bin/
build:
	$(GO) build -o $(BIN) ./cmd/feedpub

## bench: performance figures (never fails on a number; noisy on a shared machine).
## Cold builds side by side with cp -r of their output and, at 10,000 posts,
## Hugo building the same posts in ../shared/bench/hugo-full (skipped without hugo).
## Writes about 1.3 GB of generated posts under /tmp/feedpub-bench on its first run.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./loader/ ./feed/...
	$(GO) run ./internal/bench -n 10000,100000
	bash internal/benchserve/run.sh
	bash internal/benchserve/run.sh -n 50 -t 2 -c 50
	bash internal/benchserve/start.sh -n 10000,100000

clean:
	rm -rf bin $(OUT)
