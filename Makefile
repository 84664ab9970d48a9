# Cartwright — developer entry points. The real work is in scripts/*.sh (bash).
#
#   make run     install what is missing (no browser/PostgreSQL), build the release site and
#                serve it with demo data on http://127.0.0.1:3000 (data kept in ./data)
#   make test    every suite: app + server tests (server also against a throw-away
#                PostgreSQL 15), release build, Playwright end-to-end in Debian chromium
#   make e2e     only the Playwright tests, against the current release build
#   make bench   provisioning benchmark (SQLite and a throw-away PostgreSQL)
#   make bench-orders   orders list/detail load test against the release server + CSV import rate
#   make bench-bulk   validate + price a 5,000-line bulk order (server time)
#   make setup   install/check the toolchain only (idempotent; fast when all is present)
#   make build   release build only (target/release/server + target/site)
#   make pg-start / pg-url / pg-stop   a throw-away PostgreSQL for running tests by hand
#   make clean-test   remove test outputs (not target/ builds)
#
# Variables: ADDR=host:port and DATA_DIR=dir for `make run`; E2E_ARGS="--grep login" for
# `make e2e`; BENCH_ARGS for `make bench`; FAIL_FAST=1 for `make test`.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help setup build run test e2e bench bench-orders bench-bulk pg-start pg-stop pg-url clean-test

help:
	@sed -n '1,16p' Makefile | sed 's/^# \{0,1\}//'

setup:
	@bash scripts/setup.sh

build:
	@bash scripts/setup.sh --no-system
	@bash scripts/build.sh

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

e2e:
	@bash scripts/e2e.sh $(E2E_ARGS)

bench:
	@bash scripts/bench.sh $(BENCH_ARGS)

bench-orders:
	@bash scripts/bench-orders.sh $(BENCH_ARGS)

bench-bulk:
	@bash scripts/bench-bulk.sh $(BENCH_ARGS)

pg-start:
	@bash scripts/pg.sh start

pg-url:
	@bash scripts/pg.sh url

pg-stop:
	@bash scripts/pg.sh stop

clean-test:
	@bash scripts/pg.sh stop
	rm -rf target/test-logs target/e2e target/pg-test end2end/test-results end2end/playwright-report
