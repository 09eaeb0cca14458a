#!/usr/bin/env bash
# The project's whole test run: formatting, lints, every test, and the corpus count.
# This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo build --release -p chart-cli
# The headline number: real charts rendered byte-for-byte like helm 3.17.3.
corpus="${CORPUS:-../shared/corpus}"
if [ -d "$corpus" ]; then
  # Every case must pass: a regression here fails the run.
  python3 ../shared/tools/corpus-check --renderer target/release/chart "$corpus" > target/corpus.log \
    || { cat target/corpus.log; echo "corpus check failed"; exit 1; }
  tail -n 1 target/corpus.log | sed 's/^/corpus: /'
fi
# Real servers for the cluster tests (tests skip without them, and fail under CI):
# a kube-apiserver for the Secret/ConfigMap storage drivers and PostgreSQL for the sql
# driver. Already-running ones can be given with CHART_TEST_KUBECONFIG / CHART_TEST_PG.
# Install (once) PostgreSQL, the kube-apiserver and the real helm the tests talk to.
eval "$(bash scripts/test-deps.sh)"
cleanup=()
trap 'for c in "${cleanup[@]}"; do eval "$c" || true; done' EXIT
if [ -z "${CHART_TEST_KUBECONFIG:-}" ] && [ -f ../shared/tools/real-apiserver.sh ]; then
  bash ../shared/tools/real-apiserver.sh start target/cluster >&2
  cleanup+=("bash ../shared/tools/real-apiserver.sh stop target/cluster")
  export CHART_TEST_KUBECONFIG="$PWD/target/cluster/kubeconfig"
fi
if [ -z "${CHART_TEST_PG:-}" ]; then
  mkdir -p target/postgres
  CHART_TEST_PG="$(bash scripts/postgres.sh start target/postgres)"
  export CHART_TEST_PG
  cleanup+=("bash scripts/postgres.sh stop target/postgres")
fi
cargo test --workspace
