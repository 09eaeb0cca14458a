#!/usr/bin/env bash
# Writes crates/chart-cli/hot-symbols.txt: the functions of the `chart` binary that
# `chart template` runs, as the linker names them. crates/chart-cli/build.rs hands the
# file to the linker (lld's --symbol-ordering-file), which places these functions next
# to each other: rendering then touches a few hundred contiguous code pages instead of
# pages spread over the whole 14 MB text section, which lowers peak RSS (the kernel maps
# file pages in large blocks around each one touched) and page faults at start-up.
#
# Usage: scripts/gen-hot-symbols.sh [BINARY]   (default target/release/chart, which must
# be a release build of the current code; rebuild after regenerating to apply it).
# Needs valgrind. Symbols that later disappear or change name are ignored by the linker,
# so a stale list only costs locality, never correctness.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-target/release/chart}")
CORPUS=$(realpath ../shared/corpus)
OUT=crates/chart-cli/hot-symbols.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TZ=UTC LC_ALL=C HELM_CONFIG_HOME="$work/config" HELM_CACHE_HOME="$work/cache" HELM_DATA_HOME="$work/data"

python3 ../shared/tools/make-umbrella.py "$CORPUS/charts/bitnami-apache" 10 "$work/apache-10" >/dev/null
python3 ../shared/tools/make-umbrella.py "$CORPUS/charts/bitnami-redis" 10 "$work/redis-10" >/dev/null

n=0
profile() { # DIR ARGS...: one callgrind run of the binary in DIR
    local dir=$1
    shift
    n=$((n + 1))
    (cd "$dir" && valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/cg.$n.%p" \
        "$BIN" "$@" >/dev/null 2>&1) || true
}
profile . template shop charts/shop --namespace shop
profile "$work" template bench "$work/apache-10"
profile "$work" template bench "$work/redis-10" --set global.redis.password=bench
# The corpus's twelve largest cases and a few small ones, with their recorded arguments.
while IFS=$'\t' read -r id chart args _; do
    case "$id" in
    cert-manager--variant | kube-prometheus-stack | kube-prometheus-stack--variant | traefik--crds | \
        bitnami-kube-prometheus | prometheus | bitnami-redis | bitnami-wordpress | ingress-nginx--variant | \
        bitnami-nginx-ingress-controller | eshop-apigwms | argo-events)
        eval "set -- $args"
        profile "$CORPUS" template rel "$chart" --namespace corpus-ns "$@"
        ;;
    esac
done < <(tail -n +2 "$CORPUS/cases.tsv")

# Every function of the binary that ran, hottest first (each once).
for f in "$work"/cg.*; do
    callgrind_annotate --threshold=100 "$f" 2>/dev/null
done | BIN="$BIN" python3 -c '
import os, re, sys
tag = "[" + os.environ["BIN"] + "]"
cost = {}
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) \([^)]*\)\s+[^:]*:(\S+) (\[.*\])$", line.rstrip("\n"))
    if m and m.group(3) == tag:
        cost[m.group(2)] = cost.get(m.group(2), 0) + int(m.group(1).replace(",", ""))
for sym in sorted(cost, key=lambda s: (-cost[s], s)):
    print(sym)
' > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "$(wc -l < "$OUT") symbols written to $OUT from $n profiles"
