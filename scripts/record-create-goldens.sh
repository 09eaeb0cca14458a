#!/usr/bin/env bash
# Record the goldens of `chart create` with the real helm binary.
#
# Usage: scripts/record-create-goldens.sh          (from anywhere; runs in the repo root)
#        HELM=/path/to/helm scripts/record-create-goldens.sh
#
# Two kinds of cases, under testdata/create/:
#
# 1. Rendering our starter (crates/chart-core/starter, <CHARTNAME> replaced by "demo", as
#    `chart create demo` writes it) with helm:
#      render-NAME.args   arguments after `template` (one per line; the chart is "demo",
#                         the command runs in the directory holding it)
#      render-NAME.yaml   helm's stdout
#    and `helm lint --strict demo` of it: lint.args / lint.txt (stdout) / lint.stderr (it must
#    exit 0: the script stops otherwise).
#
# 2. `helm create` itself (its own scaffold has the same file names as ours), run in an
#    empty scratch directory after a setup:
#      create-NAME.setup  lines "dir PATH", "file PATH" or "create PATH" (a first create)
#      create-NAME.args   the arguments (one per line)
#      create-NAME.out / .stderr / .rc   as in the other golden scripts
#      create-NAME.tree   the scratch directory's entries afterwards (find | sort), files
#                         marked "f", directories "d"
#    The scratch directory's path is written as <DIR>.
#
# crates/chart-cli/tests/create_goldens.rs replays both with our binary.
set -euo pipefail

cd "$(dirname "$0")/.."
HELM=${HELM:-/work/helmbin/layer/helm/helm}
OUT=testdata/create
STARTER=crates/chart-core/starter
mkdir -p "$OUT"
rm -f "$OUT"/*

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export HELM_CONFIG_HOME="$scratch/config" HELM_CACHE_HOME="$scratch/cache" HELM_DATA_HOME="$scratch/data"
export KUBECONFIG="$scratch/kubeconfig" HELM_NAMESPACE="" HELM_DEBUG="" HELM_KUBECONTEXT=""
export LC_ALL=C TZ=UTC

# --- 1. the starter rendered by helm ---------------------------------------------------
work="$scratch/render"
mkdir -p "$work"
(cd "$STARTER" && find . -type f) | while read -r f; do
  mkdir -p "$work/demo/$(dirname "$f")"
  sed 's/<CHARTNAME>/demo/g' "$STARTER/$f" > "$work/demo/$f"
done
mkdir -p "$work/demo/charts"

render() {
  local name=$1
  shift
  printf '%s\n' "$@" > "$OUT/render-$name.args"
  (cd "$work" && "$HELM" template "$@") > "$OUT/render-$name.yaml"
  printf '%-30s %6s lines\n' "render-$name" "$(wc -l < "$OUT/render-$name.yaml")"
}
render default demo
render release-contains-name my-demo-app demo --namespace apps
render overrides other demo --set fullnameOverride=custom-name,nameOverride=nm
render everything-on web demo --set ingress.enabled=true,ingress.className=nginx \
  --set 'ingress.tls[0].secretName=web-tls,ingress.tls[0].hosts[0]=demo.example.local' \
  --set autoscaling.enabled=true,autoscaling.targetMemoryUtilizationPercentage=80 \
  --set service.type=LoadBalancer,serviceAccount.create=false,serviceAccount.name=runner \
  --set podAnnotations.a=b,podLabels.c=d,'imagePullSecrets[0].name=reg' \
  --set resources.limits.cpu=500m,resources.requests.memory=64Mi \
  --set 'volumes[0].name=data,volumes[0].emptyDir.medium=Memory' \
  --set 'volumeMounts[0].name=data,volumeMounts[0].mountPath=/data' \
  --set nodeSelector.disk=ssd,'tolerations[0].key=k,tolerations[0].operator=Exists' \
  --set podSecurityContext.fsGroup=2000,securityContext.runAsNonRoot=true \
  --set image.tag=1.27,replicaCount=3
render no-probes plain demo --set livenessProbe=null,readinessProbe=null,serviceAccount.automount=false
printf '%s\n' lint --strict demo > "$OUT/lint.args"
(cd "$work" && "$HELM" lint --strict demo) > "$OUT/lint.txt" 2> "$OUT/lint.stderr"

# --- 2. helm create --------------------------------------------------------------------
n=0
create() {
  local expect=$1 name=$2 setup=$3
  shift 3
  n=$((n + 1))
  local dir="$scratch/c$n" rc=0
  mkdir -p "$dir"
  printf '%b' "$setup" > "$OUT/create-$name.setup"
  while read -r kind path; do
    case $kind in
      dir) mkdir -p "$dir/$path" ;;
      file) mkdir -p "$(dirname "$dir/$path")"; echo data > "$dir/$path" ;;
      create) (cd "$dir" && "$HELM" create "$path" > /dev/null) ;;
      "") ;;
    esac
  done < "$OUT/create-$name.setup"
  printf '%s\n' "$@" > "$OUT/create-$name.args"
  (cd "$dir" && "$HELM" "$@") > "$OUT/create-$name.out" 2> "$OUT/create-$name.stderr" || rc=$?
  sed -i "s#$dir#<DIR>#g" "$OUT/create-$name.out" "$OUT/create-$name.stderr"
  [ -s "$OUT/create-$name.stderr" ] || rm -f "$OUT/create-$name.stderr"
  [ "$rc" -eq 0 ] || echo "$rc" > "$OUT/create-$name.rc"
  (cd "$dir" && find . -mindepth 1 \( -type d -printf 'd %P\n' \) -o \( -type f -printf 'f %P\n' \) | sort) \
    > "$OUT/create-$name.tree"
  if { [ "$expect" = ok ] && [ "$rc" -ne 0 ]; } || { [ "$expect" = fail ] && [ "$rc" -eq 0 ]; }; then
    echo "case $name: expected $expect, helm exited with $rc" >&2
    cat "$OUT/create-$name.stderr" >&2 2>/dev/null || true
    exit 1
  fi
  printf '%-30s rc=%s\n' "create-$name" "$rc"
}
create ok plain "" create demo
create fail trailing-slash "" create demo/
create ok nested "dir apps/web\n" create apps/web/demo
create ok dotted-name "" create my_chart.v2-x
create ok overwrite "create demo\n" create demo
create ok into-existing-dir "dir demo/templates\nfile demo/README.md\n" create demo
create fail parent-missing "" create missing/demo
create fail parent-is-file "file afile\n" create afile/demo
create fail exists-as-file "file demo\n" create demo
create fail bad-chars "" create 'my chart'
create fail too-long "" create "$(printf 'a%.0s' $(seq 251))"
create fail no-args "" create
create fail two-args "" create a b
