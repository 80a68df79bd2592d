# feedpub: see README.md.
GO      ?= go
SEEDS   ?= seeds
OUT     ?= public
BIN     ?= bin/feedpub

.PHONY: all run feeds test lint build clean

all: build

## run: serve the bundled seeds on http://127.0.0.1:8080/ (Ctrl-C stops)
run:
	$(GO) run ./cmd/feedpub serve -seeds $(SEEDS)

## feeds: write every feed and page of the bundled seeds into public/
feeds:
	$(GO) run ./cmd/feedpub build -seeds $(SEEDS) -out $(OUT)

## test: the whole test suite, with the race detector
test:
	$(GO) test -race -count=1 ./...

## lint: formatting, vet and staticcheck
lint:
	@fmt=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$fmt" ]; then echo "gofmt would change: $$fmt"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

## build: the feedpub binary in bin/
build:
	$(GO) build -o $(BIN) ./cmd/feedpub

clean:
	rm -rf bin $(OUT)
