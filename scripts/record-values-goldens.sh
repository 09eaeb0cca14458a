#!/usr/bin/env bash
# Record values goldens with the real helm binary.
#
# Usage: scripts/record-values-goldens.sh [FILE.cases.jsonl...]
#   (default: every testdata/values/*.cases.jsonl)
#
# Each line of a .cases.jsonl file is a JSON array: [NAME, CHART, HELM-ARGS...], e.g.
#   ["set-int", "empty", "--set", "n=5"]
# The case runs `helm template testdata/values/charts/CHART ARGS...` with the working
# directory testdata/values (so -f/--set-file paths are relative to it). Every scratch
# chart's templates/v.yaml prints a typed dump of .Values on one comment line
# ("# {"key":TYPE=JSON,...}"). The golden (FILE.golden.json beside the cases) holds per
# case: {"name", "out": dump or null, "err": helm's error text (after "Error: ") or null,
#        "warnings": sorted unique "coalesce.go:N: ..." stderr lines}.
# This script is the only writer of the goldens: never edit them by hand.
set -euo pipefail
HELM="${HELM:-/work/helmbin/layer/helm/helm}"
# The output must not depend on the recording machine's zone or locale.
export LC_ALL=C TZ=UTC
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ "$#" -eq 0 ]; then set -- "$ROOT"/testdata/values/*.cases.jsonl; fi
files=()
for f in "$@"; do files+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); done
set -- "${files[@]}"
cd "$ROOT/testdata/values"
for f in "$@"; do
  HELM="$HELM" python3 - "$f" <<'PY'
import json, subprocess, sys, os
path = sys.argv[1]
helm = os.environ["HELM"]
out = []
for line in open(path, encoding="utf-8"):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    case = json.loads(line)
    name, chart, args = case[0], case[1], case[2:]
    p = subprocess.run([helm, "template", f"charts/{chart}", *args],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    rec = {"name": name, "out": None, "err": None, "warnings": []}
    warns = set()
    errs = []
    for l in p.stderr.splitlines():
        if l.startswith("coalesce.go:"):
            warns.add(l)
        elif l.startswith("Error: "):
            errs.append(l[len("Error: "):])
        elif errs:
            errs.append(l)
    rec["warnings"] = sorted(warns)
    if p.returncode != 0:
        rec["err"] = "\n".join(errs).rstrip("\n")
    else:
        lines = p.stdout.split("\n")
        for i, l in enumerate(lines):
            if l.startswith("# Source: ") and l.endswith("/templates/v.yaml"):
                rec["out"] = lines[i + 1][2:]
                break
    out.append(rec)
golden = path[: -len(".cases.jsonl")] + ".golden.json"
with open(golden, "w", encoding="utf-8") as g:
    json.dump(out, g, indent=1, ensure_ascii=False)
    g.write("\n")
print(f"{golden}: {len(out)} cases")
PY
done
