#!/usr/bin/env bash
# Records what helm 3.17.3 does with repository indexes holding wrong types (issue 12
# item 8): testdata/index-types/cases/NAME.index → testdata/index-types/NAME.txt.
#
# usage: scripts/record-index-types-goldens.sh [PORT [CASE...]]   (HELM_BIN, default /usr/local/bin/helm)
#
# A null list item next to other entries makes helm 3.17.3 panic (loadIndex's removal
# leaves a nil pointer that SortEntries dereferences), so no case has one.
#
# For each case, in a fresh home: a valid index (alpha 1.0.0) is served on 127.0.0.1:PORT
# by Python's http.server and added as repository `r`; then the case's text replaces the
# served index and the cached r-index.yaml, and the commands of testdata/index-types/commands
# run one by one from a work directory next to a chart `parent` that depends on alpha ^1
# from the repository (`@fresh` runs a command in another, empty home). The transcript has
# each command line, its stdout and stderr (merged, as a terminal shows them), its exit
# code, then the files pulled and written into parent/charts (sha256) and Chart.lock without
# its `generated` and `digest` lines (the digest covers the URL, port included). The port is written as PORT and the home as HOME.
# crates/chart-cli/tests/big_index.rs (index_types_match_helm_goldens) replays it with chart.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HELM=${HELM_BIN:-/usr/local/bin/helm}
PORT=${1:-21400}
shift || true
DIR=$ROOT/testdata/index-types
TMP=$(mktemp -d)
trap 'kill $SRV 2>/dev/null || true; rm -rf "$TMP"' EXIT
mkdir -p "$TMP/srv"
if [ ! -f "$DIR/alpha-1.0.0.tgz" ]; then
  mkdir -p "$TMP/alpha"
  printf 'apiVersion: v2\nname: alpha\nversion: 1.0.0\n' > "$TMP/alpha/Chart.yaml"
  "$HELM" package -d "$DIR" "$TMP/alpha" >/dev/null
fi
cp "$DIR/alpha-1.0.0.tgz" "$TMP/srv/"
(cd "$TMP/srv" && exec python3 -m http.server "$PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
SRV=$!
URL=http://127.0.0.1:$PORT
good='apiVersion: v1
entries:
  alpha:
  - name: alpha
    version: 1.0.0
    urls:
    - alpha-1.0.0.tgz
'
for _ in $(seq 50); do curl -fsS "$URL/" >/dev/null 2>&1 && break; sleep 0.2; done

for case in "$DIR"/cases/*.index; do
  name=$(basename "$case" .index)
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  T=$TMP/$name
  mkdir -p "$T/work" "$T/parent"
  printf 'apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n- name: alpha\n  version: ^1\n  repository: %s\n' "$URL" > "$T/parent/Chart.yaml"
  printf '%s' "$good" > "$TMP/srv/index.yaml"
  run() { # home args...
    local home=$1; shift
    (cd "$T/work" && HELM_CONFIG_HOME=$home/config HELM_CACHE_HOME=$home/cache HELM_DATA_HOME=$home/data \
      TZ=UTC LC_ALL=C "$HELM" "$@" 2>&1) && echo "[exit 0]" || echo "[exit $?]"
  }
  run "$T/home" repo add r "$URL" >/dev/null
  cp "$case" "$TMP/srv/index.yaml"
  cp "$case" "$T/home/cache/repository/r-index.yaml"
  {
    while IFS= read -r line; do
      home=$T/home
      if [[ $line == @fresh\ * ]]; then home=$T/fresh; line=${line#@fresh }; fi
      line=${line//URL/$URL}
      echo "\$ ${line}"
      # shellcheck disable=SC2086
      run "$home" $line
    done < "$DIR/commands"
    echo "== files"
    (cd "$T" && for f in $(ls work | sort) ; do echo "work/$f $(sha256sum < "work/$f" | cut -c1-64)"; done)
    (cd "$T" && for f in $(ls parent/charts 2>/dev/null | sort); do echo "parent/charts/$f $(sha256sum < "parent/charts/$f" | cut -c1-64)"; done)
    if [ -f "$T/parent/Chart.lock" ]; then grep -v -e "^generated:" -e "^digest:" "$T/parent/Chart.lock"; fi
  } | sed -e "s#$T/home#HOME#g" -e "s#$T/fresh#HOME#g" -e "s#127.0.0.1:$PORT#127.0.0.1:PORT#g" > "$DIR/$name.txt"
  echo "$name" >&2
done
