# Arena developer front-end. On a fresh Debian 12 machine, `make run` and `make test` do all set-up.
.PHONY: all deps deps-test deps-deploy build run run-local demo test test-game test-unit test-integration test-tsan test-fuzz \
        fuzz debug bench bench-busy lint check-deploy format format-check clean docker-up docker-down up restart \
        migrate migrate-up seed bootstrap

JOBS ?= $(shell nproc)
ARGS ?=
CTEST_ARGS ?=

all: build

deps:
	@scripts/deps.sh
	@scripts/npm.sh web

# deps, the servers only tests start (PostgreSQL, Redis, RabbitMQ) and the JS checks (tools/js).
deps-test:
	@scripts/deps.sh test
	@scripts/npm.sh web tools/js

# deps, and the tools that check the deployment files (promtool, docker-compose, yamllint, Go).
deps-deploy:
	@scripts/deps.sh deploy
	@scripts/npm.sh web tools/js

# Release build; leaves the server at build/bin/arena.
build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

# Starts Arena embedded on 127.0.0.1:8080 with data in ./var (Ctrl-C drains and stops).
run: build
	@scripts/demo-banner.sh
	@build/bin/arena serve $(ARGS)

# The whole cluster on this machine (scripts/local-demo.sh): NATS, Redis, PostgreSQL and every
# role as its own process, with a bot swarm and a scorecard. make demo DEMO_ARGS="--seconds 120 --players 500"
DEMO_ARGS ?=
demo: deps-test build
	@scripts/local-demo.sh $(DEMO_ARGS)

FUZZ_SECONDS ?= 120
SMOKE_SECONDS ?= 10

# Every test tier: unit, integration, nats, pg and redis in the CI build (ASan + UBSan, -Werror), then
# the ThreadSanitizer tier, then a short run of every fuzz target over its corpus.
test: deps-test
	@cmake --preset ci >/dev/null
	@cmake --build --preset ci -j $(JOBS)
	@OPENAPI_COVERAGE=1 ctest --preset ci -j $(JOBS) $(CTEST_ARGS)
	@$(MAKE) --no-print-directory test-tsan test-fuzz

# The gateway, bus, scheduler, sessions and matchmaking tests under ThreadSanitizer.
test-tsan: deps
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan --target tsan_tests -j $(JOBS)
	@ctest --preset tsan -j $(JOBS)

# Each libFuzzer target (clang) replays its corpus and fuzzes for SMOKE_SECONDS.
test-fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz --target fuzz_targets -j $(JOBS)
	@scripts/fuzz.sh $(SMOKE_SECONDS)

# Long fuzzing: FUZZ_SECONDS per target (make fuzz FUZZ_SECONDS=600 for ten minutes each).
fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz --target fuzz_targets -j $(JOBS)
	@scripts/fuzz.sh $(FUZZ_SECONDS)

# One game's own tests, games/$(GAME)/*_test.cpp (make test-game GAME=tag): builds only what they need.
GAME ?= tag
test-game: deps
	@cmake --preset ci >/dev/null
	@cmake --build --preset ci --target game_$(GAME)_unit_tests -j $(JOBS)
	@build/ci/bin/game_$(GAME)_unit_tests

test-unit: deps
	@cmake --preset ci >/dev/null && cmake --build --preset ci -j $(JOBS)
	@ctest --preset ci -j $(JOBS) -L unit

test-integration: deps
	@cmake --preset ci >/dev/null && cmake --build --preset ci -j $(JOBS)
	@ctest --preset ci -j $(JOBS) -L integration

# Debug build with ASan + UBSan at build/debug.
debug: deps
	@cmake --preset debug >/dev/null
	@cmake --build --preset debug -j $(JOBS)

# Benchmarks on the release build; figures go to docs/performance.md by hand, with the command.
bench: build
	@scripts/bench.sh

# Ping round trips while one process is busy: 100k queued tickets, matchmaking ops, 2,000 logins/s
# (about 10 minutes; docs/performance.md, "Busy process").
bench-busy: build
	@scripts/bench-busy.sh

# cppcheck and clang-tidy on the sources, Redocly on api/openapi.json, and the checks of the deployment
# files (scripts/check-deploy.sh).
lint: deps-deploy build
	@scripts/lint.sh
	@node tools/js/node_modules/@redocly/cli/bin/cli.js lint --config tools/js/redocly.yaml api/openapi.json
	@scripts/check-deploy.sh build/bin/arena

# Only the deployment files' checks.
check-deploy: deps-deploy build
	@scripts/check-deploy.sh build/bin/arena

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

format-check:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

clean:
	rm -rf build

# One role (or several) from .env, as a cluster process: make run-local ROLES=worker ARGS="--listen 127.0.0.1:8090"
ROLES ?= all
run-local: build
	@build/bin/arena serve --roles $(ROLES) $(ARGS)

# PostgreSQL migrations of the database in .env (ARENA_DATABASE) or DATABASE=postgres://...
DATABASE ?=
migrate-up: build
	@build/bin/arena migrate up $(if $(DATABASE),--database $(DATABASE))
migrate: migrate-up
	@build/bin/arena migrate status $(if $(DATABASE),--database $(DATABASE))

# Demo accounts, ratings and matches in a running server (make run, make docker-up); idempotent.
SEED_URL ?= http://127.0.0.1:8080
seed:
	@/usr/bin/python3 scripts/seed.py $(SEED_URL)

# The cluster in containers (docker-compose.yml); .env is made from .env.example with fresh
# secrets when missing (scripts/compose-env.sh).
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
docker-up:
	@scripts/compose-env.sh
	@$(COMPOSE) up -d --build
docker-down:
	@$(COMPOSE) down
up: docker-up
restart:
	@$(COMPOSE) restart

# Terraform (infra/): installs the Helm chart into the cluster of your kubeconfig. Without
# terraform installed, prints what it would run.
bootstrap:
	@if command -v terraform >/dev/null 2>&1; then \
	  terraform -chdir=infra init && terraform -chdir=infra apply; \
	else \
	  echo "bootstrap: terraform is not installed; with it, this runs:"; \
	  echo "  terraform -chdir=infra init     # fetches the hashicorp/helm provider"; \
	  echo "  terraform -chdir=infra apply    # installs helm/arena with infra/terraform.tfvars"; \
	  echo "Copy infra/terraform.tfvars.example to infra/terraform.tfvars and fill it in first."; \
	fi
