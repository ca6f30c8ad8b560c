# The two commands of the README:
#   make run   installs what is missing, builds, starts the server on the embedded default
#   make test  installs what is missing, builds, runs every test
PRESET ?= release
BUILD := build/$(PRESET)
JOBS ?= $(shell nproc)

.PHONY: deps configure build run demo test test-debug bench fuzz format clean screenshots

deps:
	@./scripts/install-deps

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@./scripts/run-server $(BUILD)/src/cli/leitplanke

demo: build
	@./scripts/run-demo $(BUILD)/src/cli/leitplanke

test: build
	@./scripts/with-postgres ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure

test-debug:
	@$(MAKE) test PRESET=debug

bench: build
	@./scripts/run-bench $(BUILD)

# PNGs of the web app's main pages (1280×800) for the README, from a fresh
# server with the demo inbox: docs/screenshots/*.png
screenshots: configure
	@cmake --build $(BUILD) --target leitplanke -j $(JOBS)
	@node scripts/screenshots.mjs $(BUILD)/src/cli/leitplanke docs/screenshots

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build
