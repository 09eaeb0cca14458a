#!/usr/bin/env bash
# Record the `helm template` feature goldens under testdata/template/ with the real helm.
#
# Usage: scripts/record-template-goldens.sh [CASE...]     (runs in the repository root)
#        HELM=/path/to/helm scripts/record-template-goldens.sh
#
# Every directory testdata/template/CASE/ that holds a file `args` is a case. `args` has the
# command-line arguments that follow `template`, one per line (no shell quoting; paths are
# relative to the repository root). Charts live next to the cases that introduce them
# (testdata/template/CASE/chart) and other cases point at them.
#
# For each case the script runs `helm template $(args)` from the repository root with stdin
# from /dev/null and writes, next to `args`:
#   stdout   helm's standard output
#   stderr   helm's standard error
#   rc       helm's exit status
#   outdir   only when an argument is @OUTDIR@: that placeholder is replaced by a fresh
#            empty directory; `outdir` lists every file helm wrote there (sorted, relative
#            to the directory) followed by its content, as "==> PATH <==" blocks. The
#            directory's real path is written back as @OUTDIR@ in stdout/stderr.
# Nothing in a golden is typed by hand: this script is their only writer.
set -euo pipefail

cd "$(dirname "$0")/.."
HELM=${HELM:-/work/helmbin/layer/helm/helm}
T=testdata/template

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export HELM_CONFIG_HOME="$scratch/config" HELM_CACHE_HOME="$scratch/cache" HELM_DATA_HOME="$scratch/data"
export KUBECONFIG="$scratch/kubeconfig" HELM_NAMESPACE="" HELM_DEBUG="" HELM_KUBECONTEXT=""
export LC_ALL=C TZ=UTC

# Packaged charts the cases use; packaged once (a re-package would only change timestamps).
[ -f $T/subcharts/chart/charts/worker-0.3.0.tgz ] ||
  "$HELM" package $T/subcharts/worker-src -d $T/subcharts/chart/charts >/dev/null
[ -f "$T/tgz-root/release-1.2.3-rc.1+build.5.tgz" ] ||
  "$HELM" package $T/release/chart -d $T/tgz-root >/dev/null

if [ $# -gt 0 ]; then cases=("$@"); else
  cases=()
  for a in "$T"/*/args; do cases+=("$(basename "$(dirname "$a")")"); done
fi

for name in "${cases[@]}"; do
  dir=$T/$name
  args=()
  outdir=""
  while IFS= read -r line || [ -n "$line" ]; do
    if [ "$line" = "@OUTDIR@" ]; then
      outdir="$scratch/out-$name"
      rm -rf "$outdir"
      mkdir -p "$outdir"
      line=$outdir
    fi
    args+=("$line")
  done < "$dir/args"
  rc=0
  "$HELM" template "${args[@]}" < /dev/null > "$dir/stdout" 2> "$dir/stderr" || rc=$?
  echo "$rc" > "$dir/rc"
  rm -f "$dir/outdir"
  if [ -n "$outdir" ]; then
    sed -i "s|$outdir|@OUTDIR@|g" "$dir/stdout" "$dir/stderr"
    (cd "$outdir" && find . -type f | sed 's|^\./||' | sort | while IFS= read -r f; do
      printf '==> %s <==\n' "$f"
      cat "$f"
    done) > "$dir/outdir"
  fi
  printf '%-40s rc=%s %5s lines\n' "$name" "$rc" "$(wc -l < "$dir/stdout")"
done
