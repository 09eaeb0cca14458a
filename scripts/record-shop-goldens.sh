#!/usr/bin/env bash
# Record the goldens of the shop umbrella chart (charts/shop) with the real helm binary.
#
# Usage: scripts/record-shop-goldens.sh            (from anywhere; runs in the repo root)
#        HELM=/path/to/helm scripts/record-shop-goldens.sh
#
# For every case NAME this writes, under testdata/shop/:
#   NAME.args    the exact arguments given to helm, one per line (no shell quoting; the
#                command is run from the repository root, paths are relative to it)
#   NAME.yaml    helm's stdout (NAME.txt for cases whose output is not YAML, e.g. lint)
#   NAME.stderr  helm's stderr (also when empty: the test always compares it)
#   NAME.rc      helm's exit status, only when it is not 0
# A test replays a case by running `<our binary> $(cat NAME.args)` (one argv entry per
# line) from the repository root and comparing stdout, stderr and the exit status.
#
# The environment is pinned so helm's output does not depend on the caller's setup.
set -euo pipefail

cd "$(dirname "$0")/.."
HELM=${HELM:-/work/helmbin/layer/helm/helm}
OUT=testdata/shop
mkdir -p "$OUT"

# Keep helm away from the user's config, cache and kube context.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export HELM_CONFIG_HOME="$scratch/config" HELM_CACHE_HOME="$scratch/cache" HELM_DATA_HOME="$scratch/data"
export KUBECONFIG="$scratch/kubeconfig" HELM_NAMESPACE="" HELM_DEBUG="" HELM_KUBECONTEXT=""
export LC_ALL=C TZ=UTC

# rec EXPECT NAME EXT ARG...   EXPECT is ok (exit 0 required) or fail (non-zero required).
rec() {
  local expect=$1 name=$2 ext=$3
  shift 3
  local rc=0
  printf '%s\n' "$@" > "$OUT/$name.args"
  rm -f "$OUT/$name.yaml" "$OUT/$name.txt" "$OUT/$name.stderr" "$OUT/$name.rc"
  "$HELM" "$@" > "$OUT/$name.$ext" 2> "$OUT/$name.stderr" || rc=$?
  [ "$rc" -eq 0 ] || echo "$rc" > "$OUT/$name.rc"
  if { [ "$expect" = ok ] && [ "$rc" -ne 0 ]; } || { [ "$expect" = fail ] && [ "$rc" -eq 0 ]; }; then
    echo "case $name: expected $expect, helm exited with $rc" >&2
    cat "$OUT/$name.stderr" >&2 2>/dev/null || true
    exit 1
  fi
  printf '%-34s rc=%s %6s lines\n' "$name" "$rc" "$(wc -l < "$OUT/$name.$ext")"
}

C=charts/shop

# Plain render: every subchart enabled, hooks (migration job, test pod) included, CRDs not.
rec ok template-default yaml template shop $C --namespace shop
# A condition turns one dependency off (rabbitmq.enabled); the services still point at it.
rec ok template-no-rabbitmq yaml template shop $C --namespace shop --set rabbitmq.enabled=false
# A tag turns off sqldata and basketdata (no condition value set for them) and the umbrella
# migration hook (it tests .Values.tags.data).
rec ok template-no-data yaml template shop $C --namespace shop --set tags.data=false
# Condition beats tag: basketdata.enabled=true keeps basketdata although tags.data=false;
# another release name (fullname logic), --no-hooks, an aliased subchart disabled, and
# identity-api (the import-values source) disabled.
rec ok template-storefront-no-hooks yaml template storefront $C --namespace retail \
  --set tags.data=false --set basketdata.enabled=true --set gateway.enabled=false \
  --set identity-api.enabled=false --no-hooks
# Production values file: TLS, digests, explicit resources, extra hosts through tpl, ...
rec ok template-prod yaml template shop $C --namespace shop-prod -f testdata/shop/values-prod.yaml
# --show-only a single subchart template.
rec ok template-show-only-catalog yaml template shop $C --namespace shop \
  --show-only charts/catalog-api/templates/deployment.yaml
# CRDs from catalog-api/crds/ included, the test hook pod left out.
rec ok template-crds-skip-tests yaml template shop $C --namespace shop --include-crds --skip-tests
# Capabilities: 1.29 drops Service.trafficDistribution (>=1.31); 1.22 switches HPAs to v2beta2.
rec ok template-kube-1.29 yaml template shop $C --namespace shop --kube-version 1.29.0
rec ok template-kube-1.22 yaml template shop $C --namespace shop --kube-version 1.22.0 \
  --api-versions networking.k8s.io/v1/Ingress
# 1.20 (the test API server's version) is the oldest the chart admits.
rec ok template-kube-1.20 yaml template shop $C --namespace shop --kube-version 1.20.2
# Failures: schema violation, `fail` inside an included template, kubeVersion constraint.
rec fail template-schema-error yaml template shop $C --namespace shop --set global.environment=qa
rec fail template-prod-missing-password yaml template shop $C --namespace shop-prod \
  -f testdata/shop/values-prod.yaml --set global.sql.password=
rec fail template-kube-too-old yaml template shop $C --namespace shop --kube-version 1.19.16

# helm show: values.yaml verbatim and the Chart.yaml as helm re-serialises it.
rec ok show-values yaml show values $C
rec ok show-chart yaml show chart $C
# helm lint of the umbrella (only the umbrella; see testdata/shop/README.md).
rec ok lint-default txt lint $C
