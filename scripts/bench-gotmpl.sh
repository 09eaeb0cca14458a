#!/usr/bin/env bash
# Runs the template render benchmarks (chart-core/benches/render.rs: gotmpl with Helm's function table) and prints each benchmark's median time, plus the
# growth ratios of the tpl benchmark (tpl/2000 over tpl/1000, tpl/4000 over tpl/2000:
# about 2.0 each when tpl is linear).
#
# Usage: scripts/bench-gotmpl.sh [extra criterion args, e.g. a filter like "tpl"]
set -euo pipefail
cd "$(dirname "$0")/.."

cargo bench -p chart-core --bench render -- --noplot "$@"

target_dir="${CARGO_TARGET_DIR:-target}"
python3 - "$target_dir/criterion" <<'PY'
import json, os, sys

root = sys.argv[1]
medians = {}
for group in sorted(os.listdir(root)):
    gdir = os.path.join(root, group)
    if not os.path.isdir(gdir) or group == "report":
        continue
    for bench in sorted(os.listdir(gdir)):
        est = os.path.join(gdir, bench, "new", "estimates.json")
        if os.path.isfile(est):
            with open(est) as f:
                medians[f"{group}/{bench}"] = json.load(f)["median"]["point_estimate"]

def human(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3f} {unit}"
    return f"{ns:.0f} ns"

print("\nmedian time per iteration")
for name, ns in sorted(medians.items(), key=lambda kv: (kv[0].split("/")[0], int(kv[0].split("/")[1]) if kv[0].split("/")[1].isdigit() else 0, kv[0])):
    print(f"  {name:24} {human(ns)}")
sizes = sorted(int(k.split("/")[1]) for k in medians if k.startswith("tpl/") and k.split("/")[1].isdigit())
for a, b in zip(sizes, sizes[1:]):
    print(f"  tpl growth {a}->{b}: x{medians[f'tpl/{b}'] / medians[f'tpl/{a}']:.2f}")
PY
