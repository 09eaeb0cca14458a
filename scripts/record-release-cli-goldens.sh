#!/usr/bin/env bash
# Record the read-only release commands (history, status, list, get) of the real helm
# 3.17.3 into testdata/release-cli/.
#
# Usage: scripts/record-release-cli-goldens.sh
#   Starts its own kube-apiserver (KAS_PORT=6821 ETCD_PORT=2821 ETCD_PEER_PORT=2822 unless
#   set) with ../shared/tools/real-apiserver.sh and stops it at the end. HELM (default
#   /usr/local/bin/helm) is the helm binary.
#
# Steps:
#  1. With helm, installs, upgrades, rolls back, tests and uninstalls (--keep-history) a few
#     releases of testdata/release/charts/* and testdata/release-cli/charts/* in namespaces
#     rc-a and rc-b (failed ones too; custom labels; values with HTML characters, ints,
#     floats; notes; hooks; a multi-line and a wide-character description), one second
#     apart so that sorting by date is well defined. Every release carries the label
#     suite=rcg, which the all-namespace cases select on.
#  2. Saves the release Secrets of each namespace as the API returned them
#     (testdata/release-cli/secrets-a.json, secrets-b.json: [{name, type, labels, data}]),
#     so the test can load exactly these records into a namespace of its own.
#  3. Runs every case of testdata/release-cli/cases.txt with helm (TZ=UTC LC_ALL=C) and
#     writes its stdout, stderr and exit code to testdata/release-cli/out/NAME.{stdout,
#     stderr,code}.
# This script is the only writer of those files. chart-cli's release_cli_goldens test
# replays them.
set -euo pipefail
export TZ=UTC LC_ALL=C
unset HELM_NAMESPACE HELM_DRIVER KUBECONFIG HELM_KUBECONTEXT
HELM="${HELM:-/usr/local/bin/helm}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CHARTS="$ROOT/testdata/release/charts"
MY_CHARTS="$ROOT/testdata/release-cli/charts"
OUT="$ROOT/testdata/release-cli"

KAS_DIR="$(mktemp -d /tmp/rec-cli-kas.XXXXXX)"
KAS_PORT="${KAS_PORT:-6821}" ETCD_PORT="${ETCD_PORT:-2821}" ETCD_PEER_PORT="${ETCD_PEER_PORT:-2822}" \
  "$ROOT/../shared/tools/real-apiserver.sh" start "$KAS_DIR" >/dev/null
cleanup() {
  "$ROOT/../shared/tools/real-apiserver.sh" stop "$KAS_DIR" >/dev/null 2>&1 || true
  rm -rf "$KAS_DIR"
}
trap cleanup EXIT
# helm warns on stderr about a group-readable kubeconfig; keep a private copy.
KC="$KAS_DIR/kubeconfig.private"
install -m 600 "$KAS_DIR/kubeconfig" "$KC"

h() { "$HELM" --kubeconfig "$KC" "$@" >/dev/null; sleep 1; }
must_fail() { if "$HELM" --kubeconfig "$KC" "$@" >/dev/null 2>&1; then echo "expected failure: $*" >&2; exit 1; fi; sleep 1; }

A=(-n rc-a)
B=(-n rc-b)
cd "$CHARTS"
h "${A[@]}" install basic basic --create-namespace --labels suite=rcg \
  --set 'x=5,ratio=0.25,neg=-3,big=12345678901,on=true,html=<a href="x">&amp;</a>' \
  --set-string 'str=007' --set-json 'obj={"k":[1,2.5,"x",null],"e":{}}'
h "${A[@]}" upgrade basic basic --set x=6 --description 'custom <desc> & more'
h "${A[@]}" upgrade basic basic --set x=7 --description "$(printf 'two lines:\nsecond line, longer than the first')"
h "${A[@]}" rollback basic 1
h "${A[@]}" install full full -f user-values.yaml --set 'int=43,list[0]=9' --labels suite=rcg,team=blue
h "${A[@]}" upgrade full full --reuse-values --set-string 'extra=<x>'
h "${A[@]}" test full
h "${A[@]}" install novalues novalues --labels suite=rcg
must_fail "${A[@]}" install bad bad --labels suite=rcg
h "${A[@]}" install gone basic --labels suite=rcg,team=red
h "${A[@]}" uninstall gone --keep-history
h "${A[@]}" install wide "$MY_CHARTS/web" --labels suite=rcg --description 'déjà vu: 日本語 wide'
h "${B[@]}" install other basic --create-namespace --labels suite=rcg,tier=web --set x=1
must_fail "${B[@]}" upgrade other bad
h "${B[@]}" install solo novalues --labels suite=rcg,tier=db
# A user value that clashes with the chart's (helm logs coalescing warnings on `get values
# --all` and `get all`).
h "${B[@]}" install clash "$MY_CHARTS/web" --labels suite=rcg --set replicas.a=1 2>/dev/null
# Written in another zone: the record's times carry +05:30.
TZ=Asia/Kolkata h "${B[@]}" install zoned basic --labels suite=rcg
# An upgrade killed while it waits (no controllers: the Deployment never becomes ready)
# leaves its record pending-upgrade.
h "${B[@]}" install stuck "$MY_CHARTS/slow" --labels suite=rcg
"$HELM" --kubeconfig "$KC" "${B[@]}" upgrade stuck "$MY_CHARTS/slow" --set tag=2 --wait --timeout 10m >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 60); do
  "$HELM" --kubeconfig "$KC" "${B[@]}" list --pending -q | grep -qx stuck && break
  sleep 0.5
done
sleep 1
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
"$HELM" --kubeconfig "$KC" "${B[@]}" list --pending -q | grep -qx stuck || { echo "no pending record" >&2; exit 1; }
sleep 1

rm -rf "$OUT/out" "$OUT"/secrets-*.json
mkdir -p "$OUT/out"
SERVER=$(sed -n 's/^ *server: //p' "$KC")
CA=$(sed -n 's/^ *certificate-authority: //p' "$KC")
TOKEN=$(sed -n 's/.*token: \([^}]*\)}.*/\1/p' "$KC")
SERVER="$SERVER" CA="$CA" TOKEN="$TOKEN" OUT="$OUT" python3 - <<'PY'
import json, os, ssl, urllib.request
ctx = ssl.create_default_context(cafile=os.environ["CA"])
def get(path):
    req = urllib.request.Request(os.environ["SERVER"] + path,
                                 headers={"Authorization": "Bearer " + os.environ["TOKEN"]})
    with urllib.request.urlopen(req, context=ctx) as r:
        return json.load(r)
for key, ns in (("a", "rc-a"), ("b", "rc-b")):
    items = get(f"/api/v1/namespaces/{ns}/secrets?labelSelector=owner%3Dhelm")["items"]
    assert items, f"no records in {ns}"
    recs = [{"name": it["metadata"]["name"], "type": it["type"],
             "labels": it["metadata"]["labels"], "data": it["data"]} for it in items]
    recs.sort(key=lambda r: r["name"])
    with open(os.path.join(os.environ["OUT"], f"secrets-{key}.json"), "w") as f:
        json.dump(recs, f, indent=1, sort_keys=True)
        f.write("\n")
PY

cd "$OUT"
while IFS=$'\t' read -r name ns args; do
  case "$name" in ''|'#'*) continue ;; esac
  read -r -a argv <<<"$args"
  argv=("${argv[@]//\\s/ }")
  case "$ns" in
    a) nsargs=(-n rc-a) ;;
    b) nsargs=(-n rc-b) ;;
    -) nsargs=() ;;
    *) echo "bad namespace in case $name" >&2; exit 1 ;;
  esac
  code=0
  "$HELM" --kubeconfig "$KC" "${nsargs[@]}" "${argv[@]}" >"out/$name.stdout" 2>"out/$name.stderr" || code=$?
  echo "$code" >"out/$name.code"
done <cases.txt
ls out | wc -l
