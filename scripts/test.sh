#!/usr/bin/env bash
# The project's whole test run: formatting, lints, every test, and the corpus count.
# This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
# Generated documents must be what their generators write now (no helm needed).
python3 scripts/gen-function-docs.py --check
for r in scripts/record-*; do
  grep -q "$(basename "$r")" README.md || { echo "README.md's Goldens section does not name $r"; exit 1; }
done
cargo build --release -p chart-cli
# The headline number: real charts rendered byte-for-byte like helm 3.17.3. The corpus is
# part of the run: without it the run fails (CI must not pass on a count it never took).
corpus="${CORPUS:-../shared/corpus}"
checker=../shared/tools/corpus-check
if [ ! -d "$corpus" ] || [ ! -f "$checker" ]; then
  echo "corpus check impossible: need the corpus at $corpus (or CORPUS=DIR) and $checker" >&2
  exit 1
fi
# Every case must pass: a regression here fails the run. The renderer runs with TZ=UTC and
# LC_ALL=C, as the recorders run helm, so the count does not depend on the host's zone.
TZ=UTC LC_ALL=C python3 "$checker" --renderer target/release/chart "$corpus" > target/corpus.log \
  || { cat target/corpus.log; echo "corpus check failed"; exit 1; }
tail -n 1 target/corpus.log | sed 's/^/corpus: /'
# Real servers for the cluster tests (tests skip without them, and fail under CI): a
# kube-apiserver 1.20.2 (scripts/cluster.sh) for the kube client, the Secret/ConfigMap
# storage drivers and the actions, PostgreSQL (scripts/postgres.sh) for the sql driver, and
# the real helm 3.17.3 for interop. Already-running servers can be given with
# CHART_TEST_KUBECONFIG / CHART_TEST_PG. scripts/test-deps.sh installs what is missing once.
eval "$(bash scripts/test-deps.sh)"
cleanup=()
trap 'for c in "${cleanup[@]}"; do eval "$c" || true; done' EXIT
if [ -z "${CHART_TEST_KUBECONFIG:-}" ]; then
  eval "$(bash scripts/cluster.sh start)"
  cleanup+=("bash scripts/cluster.sh stop")
fi
if [ -z "${CHART_TEST_PG:-}" ]; then
  mkdir -p target/postgres
  CHART_TEST_PG="$(bash scripts/postgres.sh start target/postgres)"
  export CHART_TEST_PG
  cleanup+=("bash scripts/postgres.sh stop target/postgres")
fi
cargo test --workspace
