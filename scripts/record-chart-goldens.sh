#!/usr/bin/env bash
# Records chart-level goldens with the real helm binary (the oracle).
#
# Usage: scripts/record-chart-goldens.sh          (from the repository root)
#
# For the fixture charts under testdata/charts/ it writes testdata/charts/goldens/*.txt:
#   <case>.template.txt    `helm template` output (stdout, then stderr after a line
#                           "--- stderr", then "--- exit N")
#   <case>.show.txt        `helm show chart` output, same layout
# It also (re)builds testdata/charts/pkg/*.tgz with `helm package` (a re-package changes
# only the archives' entry timestamps: the same files, the same contents). Nothing in a
# golden is typed by hand: this script is the only writer.
set -euo pipefail
HELM="${HELM:-/work/helmbin/layer/helm/helm}"
# The output must not depend on the recording machine's zone or locale.
export LC_ALL=C TZ=UTC
T=testdata/charts
G=$T/goldens
mkdir -p "$G" "$T/pkg"
rm -f "$G"/*.txt "$T"/pkg/*.tgz

run() { # run NAME CMD... : capture stdout/stderr/exit code of a helm command
  local name=$1; shift
  local out err rc=0
  out=$(mktemp); err=$(mktemp)
  "$HELM" "$@" >"$out" 2>"$err" || rc=$?
  { cat "$out"; echo "--- stderr"; cat "$err"; echo "--- exit $rc"; } >"$G/$name.txt"
  rm -f "$out" "$err"
}

# Packages (helm applies .helmignore when packaging).
"$HELM" package "$T/basic" -d "$T/pkg" >/dev/null
"$HELM" package "$T/src/other" -d "$T/parent/charts" >/dev/null

run basic.template template "$T/basic"
run basic-tgz.template template "$T/pkg/basic-1.2.3.tgz"
run basic.show show chart "$T/basic"
run parent.template template "$T/parent"
run parent-set.template template "$T/parent" --set tags.extra=true --set third.on=false --set sub.deep.enabled=true
run v1chart.template template "$T/v1chart"
run v1chart.show show chart "$T/v1chart"
for d in "$T"/errors/*/; do
  n=$(basename "$d")
  run "error-$n.show" show chart "$d"
done
echo "recorded $(ls "$G" | wc -l) goldens in $G"
