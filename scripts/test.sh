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
# Cluster tests (chart-core/tests/kube_*.rs) run against a real kube-apiserver; CI never
# skips them. The apiserver is built once (about 6-9 minutes) by scripts/cluster.sh.
if [ -z "${CHART_TEST_KUBECONFIG:-}" ]; then
  eval "$(scripts/cluster.sh start)"
  trap 'scripts/cluster.sh stop' EXIT
fi
cargo test --workspace
