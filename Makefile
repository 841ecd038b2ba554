# callbridge: the two commands.
#   make run    build and start the server on embedded defaults (http://127.0.0.1:8080)
#   make test   install what the tests need, then fmt, clippy and the whole test suite
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: run test setup-run setup-test build lint fmt-check unit bench fuzz-smoke clean

run: setup-run
	$(CARGO) run --release --locked -p callbridge-server --bin callbridge -- serve

test: setup-test fmt-check lint unit

setup-run:
	@scripts/setup.sh run

setup-test:
	@scripts/setup.sh test

build:
	$(CARGO) build --locked --workspace --all-targets

fmt-check:
	$(CARGO) fmt --all --check

lint:
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

# cargo-nextest runs each test in its own process, in parallel; plain cargo test is the
# fallback where nextest is not installed. Doc tests run separately (nextest skips them).
unit:
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --locked --workspace --no-fail-fast; \
	else \
		$(CARGO) test --locked --workspace --no-fail-fast; \
	fi
	$(CARGO) test --locked --workspace --doc

bench:
	$(CARGO) bench --locked -p callbridge-benches

clean:
	$(CARGO) clean
