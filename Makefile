# trackstream — the two commands are `make run` and `make test`; see README.md.
SHELL := /bin/bash
RDKAFKA_PREFIX ?= /opt/rdk28
export RDKAFKA_PREFIX
export PKG_CONFIG_PATH := $(RDKAFKA_PREFIX)/lib/pkgconfig$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH))
# Link against the librdkafka that scripts/deps built, and find it at run time without LD_LIBRARY_PATH.
SWIFT_BUILD_FLAGS := -Xlinker -rpath -Xlinker $(RDKAFKA_PREFIX)/lib
SWIFT_FORMAT_PATHS := Package.swift Sources Tests Benchmarks Fuzz

.PHONY: deps build release test soak lint format run bench fuzz man clean

deps:
	@scripts/deps

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

release: deps
	swift build -c release $(SWIFT_BUILD_FLAGS)

lint:
	swift format lint --strict --recursive $(SWIFT_FORMAT_PATHS)

format:
	swift format format --in-place --recursive $(SWIFT_FORMAT_PATHS)

test: deps
	@scripts/test $(SWIFT_BUILD_FLAGS)

# Long fault scenarios (a rebalance storm, a paused member), minutes each; not part of `make test`.
soak: deps
	@scripts/soak $(SWIFT_BUILD_FLAGS)

run: deps release
	@scripts/run

bench: deps release
	@scripts/bench

# libFuzzer targets of Fuzz/ (a package of its own): FUZZ_SECONDS per target (default 60), all targets or
# FUZZ_TARGETS="record-path times"; more in scripts/fuzz --help and Fuzz/README.md.
fuzz:
	@scripts/fuzz $(FUZZ_TARGETS)

# The man page, docs/man/trackstream.1, from the command-line definitions with swift-argument-parser's
# generate-manual plugin (a debug build, shared with `make build`; offline). Dated by the last commit that
# changed Sources/trackstream, so that regenerating an unchanged interface changes nothing. Run it after
# adding or changing a command or option, and commit the page (DeploymentTests checks it is current).
man: deps
	swift package $(SWIFT_BUILD_FLAGS) plugin generate-manual --configuration debug \
		--date "$$(git log -1 --format=%cs -- Sources/trackstream)" --authors "the trackstream authors"
	mkdir -p docs/man
	cp .build/plugins/GenerateManual/outputs/trackstream/trackstream.1 docs/man/trackstream.1

clean:
	rm -rf .build .build-* Fuzz/.build
