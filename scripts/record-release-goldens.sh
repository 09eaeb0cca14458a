#!/usr/bin/env bash
# Record release goldens: records written by the real helm 3.17.3 into a real
# kube-apiserver, as the Secret and ConfigMap drivers store them.
#
# Usage: scripts/record-release-goldens.sh [KAS_DIR]
#   KAS_DIR: state directory of a running real apiserver (its kubeconfig is
#   KAS_DIR/kubeconfig). Without it one is started (KAS_PORT=6501 ETCD_PORT=2501
#   ETCD_PEER_PORT=2502 unless set) with ../shared/tools/real-apiserver.sh and stopped
#   at the end.
#
# The charts are testdata/release/charts/*. The script installs, upgrades, rolls back and
# uninstalls (--keep-history) releases with helm (HELM, default /usr/local/bin/helm), in
# namespace rec-secret (HELM_DRIVER=secret), rec-cm (HELM_DRIVER=configmap) and rec-sql
# (HELM_DRIVER=sql, a PostgreSQL started with scripts/postgres.sh), then writes every
# record object to testdata/release/records/<driver>/<object name>.json:
#   {"name", "type" (Secrets), "labels", "release": data.release exactly as the API
#    returned it (Secret: base64 of the payload; ConfigMap: the payload)}
# and the record JSON helm encoded (payload base64-decoded and gunzipped) beside it as
# <object name>.release.json. For sql: the tables as JSON (releases_v1.json,
# custom_labels_v1.json, gorp_migrations.json) and <key>.release.json per row.
# This script is the only writer of these files.
set -euo pipefail
export TZ=UTC LC_ALL=C
HELM="${HELM:-/usr/local/bin/helm}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CHARTS="$ROOT/testdata/release/charts"
OUT="$ROOT/testdata/release/records"

own_kas=""
KAS_DIR="${1:-}"
if [ -z "$KAS_DIR" ]; then
  KAS_DIR="$(mktemp -d /tmp/rec-kas.XXXXXX)"
  own_kas=1
  KAS_PORT="${KAS_PORT:-6501}" ETCD_PORT="${ETCD_PORT:-2501}" ETCD_PEER_PORT="${ETCD_PEER_PORT:-2502}" \
    "$ROOT/../shared/tools/real-apiserver.sh" start "$KAS_DIR" >/dev/null
fi
cleanup() {
  if [ -n "$own_kas" ]; then
    "$ROOT/../shared/tools/real-apiserver.sh" stop "$KAS_DIR" || true
    rm -rf "$KAS_DIR"
  fi
}
trap cleanup EXIT
KC="$KAS_DIR/kubeconfig"
h() { "$HELM" --kubeconfig "$KC" "$@" >/dev/null; }

# A fresh run each time: drop the records of an earlier run.
for pair in secret:rec-secret configmap:rec-cm; do
  d=${pair%%:*} ns=${pair#*:}
  HELM_DRIVER=$d "$HELM" --kubeconfig "$KC" -n "$ns" list -aq 2>/dev/null | while read -r r; do
    HELM_DRIVER=$d h -n "$ns" uninstall "$r"
  done
done

record_set() {
  local ns="$1"
  cd "$CHARTS"
  h -n "$ns" install basic basic --create-namespace \
    --set 'x=5,ratio=0.25,neg=-3,big=12345678901,on=true,html=<a href="x">&amp;</a>' \
    --set-string 'str=007' --set-json 'obj={"k":[1,2.5,"x",null],"e":{}}'
  h -n "$ns" upgrade basic basic --set x=6 --description 'custom <desc> & more'
  h -n "$ns" rollback basic 1
  h -n "$ns" install full full -f user-values.yaml --set 'int=43,list[0]=9' --labels team=blue,tier=db
  h -n "$ns" upgrade full full --reuse-values --set-string 'extra=<x>'
  h -n "$ns" uninstall full --keep-history
  h -n "$ns" install novalues novalues
  # A failed install (the object's namespace does not exist).
  h -n "$ns" install bad bad 2>/dev/null && { echo "bad chart installed" >&2; exit 1; } || true
}

HELM_DRIVER=secret record_set rec-secret
HELM_DRIVER=configmap record_set rec-cm
# The sql driver, into a PostgreSQL of our own (scripts/postgres.sh, port PG_PORT or 5497).
PG_DIR="$(mktemp -d /tmp/rec-pg.XXXXXX)"
PG_CONN="$(PG_PORT="${PG_PORT:-5497}" bash "$ROOT/scripts/postgres.sh" start "$PG_DIR")"
trap 'bash "$ROOT/scripts/postgres.sh" stop "$PG_DIR" || true; rm -rf "$PG_DIR"; cleanup' EXIT
HELM_DRIVER=sql HELM_DRIVER_SQL_CONNECTION_STRING="$PG_CONN" record_set rec-sql

rm -rf "$OUT"
mkdir -p "$OUT/secret" "$OUT/configmap" "$OUT/sql"
psql "$PG_CONN" -Atqc "SELECT json_agg(r ORDER BY r.key) FROM releases_v1 r" >"$OUT/sql/releases_v1.json"
psql "$PG_CONN" -Atqc "SELECT json_agg(l ORDER BY l.releasekey, l.key) FROM custom_labels_v1 l" >"$OUT/sql/custom_labels_v1.json"
psql "$PG_CONN" -Atqc "SELECT json_agg(m.id ORDER BY m.id) FROM gorp_migrations m" >"$OUT/sql/gorp_migrations.json"
python3 - "$OUT/sql" <<'PY'
import base64, gzip, json, os, sys
d = sys.argv[1]
for row in json.load(open(os.path.join(d, "releases_v1.json"))):
    with open(os.path.join(d, row["key"] + ".release.json"), "wb") as f:
        f.write(gzip.decompress(base64.b64decode(row["body"])))
PY
SERVER=$(sed -n 's/^ *server: //p' "$KC")
CA=$(sed -n 's/^ *certificate-authority: //p' "$KC")
TOKEN=$(sed -n 's/.*token: \([^}]*\)}.*/\1/p' "$KC")
SERVER="$SERVER" CA="$CA" TOKEN="$TOKEN" OUT="$OUT" python3 - <<'PY'
import base64, gzip, json, os, ssl, urllib.request
ctx = ssl.create_default_context(cafile=os.environ["CA"])
def get(path):
    req = urllib.request.Request(os.environ["SERVER"] + path,
                                 headers={"Authorization": "Bearer " + os.environ["TOKEN"]})
    with urllib.request.urlopen(req, context=ctx) as r:
        return json.load(r)
for driver, ns, res in (("secret", "rec-secret", "secrets"), ("configmap", "rec-cm", "configmaps")):
    items = get(f"/api/v1/namespaces/{ns}/{res}?labelSelector=owner%3Dhelm")["items"]
    assert items, f"no records in {ns}"
    for it in items:
        name = it["metadata"]["name"]
        rec = {"name": name}
        if driver == "secret":
            rec["type"] = it["type"]
        rec["labels"] = it["metadata"]["labels"]
        rec["release"] = it["data"]["release"]
        payload = rec["release"]
        if driver == "secret":
            payload = base64.b64decode(payload).decode()
        raw = base64.b64decode(payload)
        assert raw[:3] == b"\x1f\x8b\x08", name
        with open(os.path.join(os.environ["OUT"], driver, name + ".json"), "w") as f:
            json.dump(rec, f, indent=1, sort_keys=True)
            f.write("\n")
        with open(os.path.join(os.environ["OUT"], driver, name + ".release.json"), "wb") as f:
            f.write(gzip.decompress(raw))
PY
ls "$OUT"/*
