#!/usr/bin/env bash
# bench-release.sh - install and upgrade of a big umbrella chart (100 aliased instances of
# bitnami-apache, ../shared/tools/make-umbrella.py, pdb.create=false since 1.20 serves no
# policy/v1) with helm and with chart against the same API server, in two namespaces.
#
# Usage: CHART_TEST_KUBECONFIG=DIR/kubeconfig scripts/bench-release.sh [N]
#   HELM (default /usr/local/bin/helm), CHART (default target/release/chart), RUNS (3).
# Prints the median wall time of each operation and the ratio helm/chart.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
HELM=${HELM:-/usr/local/bin/helm}
CHART=${CHART:-target/release/chart}
RUNS=${RUNS:-3}
export KUBECONFIG=${CHART_TEST_KUBECONFIG:?set CHART_TEST_KUBECONFIG}
export TZ=UTC LC_ALL=C
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export HELM_CONFIG_HOME="$scratch/config" HELM_CACHE_HOME="$scratch/cache" HELM_DATA_HOME="$scratch/data"
umb=target/umbrella$n
python3 ../shared/tools/make-umbrella.py ../shared/corpus/charts/bitnami-apache "$n" "$umb"
python3 - "$umb/values.yaml" <<'PY'
import sys
p = sys.argv[1]
out = []
for line in open(p).read().splitlines():
    out.append(line)
    if line.startswith('  fullnameOverride'):
        out.append('  pdb:\n    create: false')
open(p, 'w').write('\n'.join(out) + '\n')
PY
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A times
for run in $(seq 1 "$RUNS"); do
  for tool in helm chart; do
    bin=$HELM; [ "$tool" = chart ] && bin=$CHART
    ns="bench-$tool-$$-$run"
    "$bin" version >/dev/null 2>&1 || true
    t0=$(now); "$bin" install u "$umb" -n "$ns" --create-namespace >/dev/null; t1=$(now)
    "$bin" upgrade u "$umb" -n "$ns" --set s000.replicaCount=2 --set s050.replicaCount=3 >/dev/null; t2=$(now)
    times[$tool-install]+="$(echo "$t1 - $t0" | bc) "
    times[$tool-upgrade]+="$(echo "$t2 - $t1" | bc) "
    "$bin" uninstall u -n "$ns" >/dev/null
  done
done
for op in install upgrade; do
  h=$(printf '%s\n' ${times[helm-$op]} | median)
  c=$(printf '%s\n' ${times[chart-$op]} | median)
  printf '%-8s helm %6.2fs  chart %6.2fs  ratio %5.1fx\n' "$op" "$h" "$c" "$(echo "$h / $c" | bc -l)"
done
