#!/usr/bin/env bash
# Record the `helm lint` goldens of the fixture charts in testdata/lint/ with the real helm.
#
# Usage: scripts/record-lint-goldens.sh            (from anywhere; runs in the repo root)
#        HELM=/path/to/helm scripts/record-lint-goldens.sh
#
# For every case NAME this writes, under testdata/lint/goldens/:
#   NAME.args    helm's arguments, one per line (run from the repository root)
#   NAME.out     stdout
#   NAME.err     stderr (only when not empty)
#   NAME.rc      exit status (only when not 0)
# Helm prints some paths absolute (the dependency rules name the chart directory); the
# repository root is written as $ROOT in the goldens, and the test does the same to ours.
set -euo pipefail

cd "$(dirname "$0")/.."
HELM=${HELM:-/work/helmbin/layer/helm/helm}
OUT=testdata/lint/goldens
ROOT=$(pwd -P)
rm -rf "$OUT"
mkdir -p "$OUT"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export HELM_CONFIG_HOME="$scratch/config" HELM_CACHE_HOME="$scratch/cache" HELM_DATA_HOME="$scratch/data"
export KUBECONFIG="$scratch/kubeconfig" HELM_NAMESPACE="" HELM_DEBUG="" HELM_KUBECONTEXT=""
export LC_ALL=C TZ=UTC

# rec NAME ARG...
rec() {
  local name=$1
  shift
  local rc=0
  printf '%s\n' "$@" > "$OUT/$name.args"
  "$HELM" "$@" > "$OUT/$name.out" 2> "$OUT/$name.err" || rc=$?
  sed -i "s#$ROOT#\$ROOT#g" "$OUT/$name.out" "$OUT/$name.err"
  [ -s "$OUT/$name.err" ] || rm -f "$OUT/$name.err"
  [ "$rc" -eq 0 ] || echo "$rc" > "$OUT/$name.rc"
  printf '%-36s rc=%s\n' "$name" "$rc"
}

L=testdata/lint
# One case per fixture chart, plain `helm lint DIR`.
for d in "$L"/*/; do
  d=${d%/}
  n=$(basename "$d")
  [ "$n" = goldens ] && continue
  rec "$n" lint "$d"
done

# Several charts; --quiet hides charts without warnings (and INFO lines).
rec multi-quiet lint $L/clean $L/no-icon --quiet
rec multi-quiet-strict lint $L/clean $L/no-icon $L/undeclared-sub --quiet --strict
rec multi-mixed lint $L/clean $L/bad-yaml $L/no-icon
# --strict: warnings fail, INFO does not.
rec strict-info lint $L/no-icon --strict
rec strict-warnings lint $L/tpl-checks --strict
rec strict-deprecated lint $L/deprecated-api --strict
# --with-subcharts: subchart directories and archives under charts/ are linted too.
rec with-subcharts-bad lint $L/with-bad-sub --with-subcharts
rec with-subcharts-quiet lint $L/undeclared-sub --with-subcharts --quiet
rec with-subcharts-tgz lint $L/with-tgz-sub --with-subcharts
rec tgz lint $L/with-tgz-sub/charts/no-icon-0.1.0.tgz
# Values: --set/-f reach the values and template rules; schema validation can be skipped.
rec schema-skip lint $L/schema-fail --skip-schema-validation
rec schema-set-ok lint $L/schema-fail --set port=8
rec schema-set-bad lint $L/schema-fail --set-string port=8
rec required-set lint $L/required-fail --set password=x --set nope=y
rec set-error lint $L/clean --set 'a['
rec values-file lint $L/schema-fail -f $L/schema-fail/values.yaml
# Namespace and release name as templates see them.
rec namespace lint $L/namespace-name -n Bad_NS
# --kube-version decides what is deprecated; a bad one is refused.
rec kube-1.28 lint $L/deprecated-api --kube-version 1.28.0
rec kube-1.10 lint $L/tpl-checks --kube-version v1.10
rec kube-bad lint $L/clean --kube-version abc
# Not a chart.
rec not-a-chart lint $L/no-such-chart
rec not-a-chart-and-clean lint $L/clean $L/no-such-chart
rec default-path lint
