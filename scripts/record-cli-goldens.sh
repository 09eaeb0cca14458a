#!/usr/bin/env bash
# Record goldens of helm's small commands (show, version) with the real helm binary.
#
# Usage: scripts/record-cli-goldens.sh            (from anywhere; runs in the repo root)
#        HELM=/path/to/helm scripts/record-cli-goldens.sh
#
# Same layout as scripts/record-shop-goldens.sh, under testdata/cli/:
#   NAME.args    the arguments given to helm, one per line (run from the repository root)
#   NAME.out     helm's stdout
#   NAME.stderr  helm's stderr, only when it is not empty
#   NAME.rc      helm's exit status, only when it is not 0
#   NAME.env     VAR=value lines set for the run, only for cases recorded with recenv
# The repository's absolute path in helm's output is written as <ROOT>. Helm names itself
# in usage errors ("helm show values" requires 1 argument); the test reads that as "chart".
# Cases avoid output whose order depends on Go's map iteration (jsonpath wildcards on maps).
# crates/chart-cli/tests/cli_goldens.rs replays each case against our binary.
set -euo pipefail

cd "$(dirname "$0")/.."
HELM=${HELM:-/work/helmbin/layer/helm/helm}
OUT=testdata/cli
mkdir -p "$OUT"
rm -f "$OUT"/*.args "$OUT"/*.out "$OUT"/*.stderr "$OUT"/*.rc

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export HELM_CONFIG_HOME="$scratch/config" HELM_CACHE_HOME="$scratch/cache" HELM_DATA_HOME="$scratch/data"
export KUBECONFIG="$scratch/kubeconfig" HELM_NAMESPACE="" HELM_DEBUG="" HELM_KUBECONTEXT=""
export LC_ALL=C TZ=UTC

# rec EXPECT NAME ARG...   EXPECT is ok (exit 0 required) or fail (non-zero required).
rec() {
  local expect=$1 name=$2
  shift 2
  local rc=0
  printf '%s\n' "$@" > "$OUT/$name.args"
  "$HELM" "$@" > "$OUT/$name.out" 2> "$OUT/$name.stderr" || rc=$?
  sed -i "s#$PWD/#<ROOT>/#g" "$OUT/$name.out" "$OUT/$name.stderr"
  [ -s "$OUT/$name.stderr" ] || rm -f "$OUT/$name.stderr"
  [ "$rc" -eq 0 ] || echo "$rc" > "$OUT/$name.rc"
  if { [ "$expect" = ok ] && [ "$rc" -ne 0 ]; } || { [ "$expect" = fail ] && [ "$rc" -eq 0 ]; }; then
    echo "case $name: expected $expect, helm exited with $rc" >&2
    cat "$OUT/$name.stderr" >&2 2>/dev/null || true
    exit 1
  fi
  printf '%-34s rc=%s %6s lines\n' "$name" "$rc" "$(wc -l < "$OUT/$name.out")"
}

# recenv EXPECT NAME VAR=VALUE ARG...   rec with one environment variable set.
recenv() {
  local expect=$1 name=$2 var=$3
  shift 3
  ( export "${var?}"; rec "$expect" "$name" "$@" )
  printf '%s\n' "$var" > "$OUT/$name.env"
}

# show: every part of a few charts (directory, v1 chart, archive, a chart without values).
for part in chart values readme crds all; do
  rec ok "show-$part-showcase" show "$part" testdata/cli/charts/showcase
  rec ok "show-$part-bare" show "$part" testdata/cli/charts/bare
  rec ok "show-$part-basic" show "$part" testdata/charts/basic
  rec ok "show-$part-v1chart" show "$part" testdata/charts/v1chart
  rec ok "show-$part-parent" show "$part" testdata/charts/parent
done
for tgz in testdata/charts/pkg/*.tgz; do
  base=$(basename "$tgz" .tgz)
  rec ok "show-all-pkg-$base" show all "$tgz"
done
rec ok show-inspect-alias inspect chart testdata/cli/charts/bare
rec ok show-version-flag show chart testdata/cli/charts/bare --version 9.9.9
# --jsonpath over the parsed values.
jp() { rec "$1" "show-jsonpath-$2" show values testdata/cli/charts/showcase --jsonpath "$3"; }
jp ok field '{.image.repository}'
jp ok number '{.replicaCount} {.ratio} {.big} {.huge} {.octal}'
jp ok bool-null '{.flag}/{.nothing}'
jp ok map '{.image}'
jp ok list '{.ports}'
jp ok empty-map '{.empty}'
jp ok index '{.ports[1].port}'
jp ok negative-index '{.tags[-1]}'
jp ok slice '{.tags[0:2]}'
jp ok slice-step '{.tags[::2]}'
jp ok star '{.ports[*].name}'
jp ok wildcard '{.tags.*}'
jp ok recursive '{..key}'
jp ok union "{.image['repository','tag']}"
jp ok dict-key "{['image'].tag}"
jp ok dollar '{$.nested.deep.list}'
jp ok text 'replicas={.replicaCount}, tag={.image.tag}'
jp ok quoted '{.image.tag}{"\n"}'
jp ok missing '{.nope}'
jp ok missing-after-text 'x={.nope}'
jp ok out-of-range '{.tags[7]}'
jp ok not-a-list '{.image[0]}'
jp fail unclosed '{.image'
jp fail bad-index '{["image"]}'
# Chart references that are not there, and wrong argument counts.
rec fail show-missing-relative show chart ./no/such/chart
rec fail show-missing-absolute show values /no/such/chart
rec fail show-repo-name show readme nosuchrepo/chart
rec fail show-bare-name show crds nosuchchart
rec fail show-chart-yaml show chart testdata/cli/charts/bare/Chart.yaml
rec fail show-no-args show values
rec fail show-two-args show all testdata/cli/charts/bare testdata/cli/charts/bare
rec fail show-not-a-chart show chart testdata/cli

# version
rec ok version version
rec ok version-short version --short
rec ok version-template version --template '{{.Version}} {{.GitCommit}} {{.GitTreeState}} {{.GoVersion}}'
rec ok version-template-short version --short --template 'v={{ .Version }}'
rec ok version-template-struct version --template '{{ . }}|{{ printf "%s-%s" .Version .GitTreeState }}|{{ .Version | len }}'
rec fail version-template-bad version --template 'before {{ .Version }} {{ .Nope }} after'
rec fail version-template-parse version --template '{{ .Version '
rec ok version-template-empty version --template ''

# HELM_DEBUG is read with Go's strconv.ParseBool: empty or unparsable values mean false
# (with a true value helm prints timestamped debug lines, which no golden can hold).
recenv fail debug-env-empty HELM_DEBUG= template testdata/cli/charts/failing
recenv fail debug-env-garbage HELM_DEBUG=yes template testdata/cli/charts/failing
recenv fail debug-env-false HELM_DEBUG=False template testdata/cli/charts/failing
