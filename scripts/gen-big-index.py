#!/usr/bin/env python3
"""Writes a large chart repository index (issue 12, item 8) for timing `repo add`,
`repo update`, `search repo` and `pull` against helm.

usage: gen-big-index.py OUT_DIR [--charts N] [--versions V] [--many M] [--json]

OUT_DIR/index.yaml gets N charts with V versions each (default 1000 x 50 = 50,000
versions, about 44 MB), shaped like real repositories' entries (description, keywords,
maintainers, sources, annotations, dependencies, digests, URLs relative to the repo).
With --many M, one more chart, `chart-many`, has M versions (a name with many versions,
for `dependency update` by version range). Output is deterministic: the same arguments give the same bytes. OUT_DIR/chart-0000-1.0.0.tgz
is not written; pull a real chart by adding one with `chart package` + `--merge`.
"""
import argparse
import hashlib
import json
import os

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--charts", type=int, default=1000)
ap.add_argument("--versions", type=int, default=50)
ap.add_argument("--many", type=int, default=0)
ap.add_argument("--json", action="store_true")
a = ap.parse_args()
os.makedirs(a.out, exist_ok=True)


def q(s):
    return json.dumps(s)


lines = ["apiVersion: v1", "entries:"]
entries = {}
charts = [(f"chart-{c:04d}", c, a.versions) for c in range(a.charts)]
if a.many:
    charts.append(("chart-many", a.charts, a.many))
for name, c, nversions in charts:
    lines.append(f"  {name}:")
    vs = []
    for v in range(nversions):
        if nversions > 125:
            major, minor, patch = v // 500, (v // 25) % 20, v % 25
        else:
            major, minor, patch = v // 25, (v // 5) % 5, v % 5
        ver = f"{major}.{minor}.{patch}" + ("-rc.1" if v % 7 == 6 else "")
        digest = hashlib.sha256(f"{name}-{ver}".encode()).hexdigest()
        created = f"2024-{1 + v % 12:02d}-{1 + c % 28:02d}T10:{v % 60:02d}:00.123456789Z"
        e = {
            "annotations": {"category": "Infrastructure", "licenses": "Apache-2.0"},
            "apiVersion": "v2",
            "appVersion": f"{10 + major}.{minor}.{patch}",
            "created": created,
            "dependencies": [
                {"name": "common", "repository": "oci://registry.example.com/charts", "tags": ["bitnami-common"], "version": "2.x.x"}
            ],
            "description": f"Chart number {c} deploys service {c} with keyword kw{c % 97} for testing large indexes.",
            "digest": digest,
            "home": f"https://example.com/charts/{name}",
            "icon": f"https://example.com/icons/{name}.svg",
            "keywords": [f"kw{c % 97}", f"group{c % 13}", "benchmark"],
            "maintainers": [{"name": "Example Maintainers", "url": "https://example.com/maintainers"}],
            "name": name,
            "sources": [f"https://github.com/example/{name}", "https://example.com/src"],
            "urls": [f"{name}-{ver}.tgz"],
            "version": ver,
        }
        vs.append(e)
        if a.json:
            continue
        lines.append("  - annotations:")
        lines.append("      category: Infrastructure")
        lines.append("      licenses: Apache-2.0")
        lines.append("    apiVersion: v2")
        lines.append(f"    appVersion: {e['appVersion']}")
        lines.append(f"    created: {q(created)}")
        lines.append("    dependencies:")
        lines.append("    - name: common")
        lines.append("      repository: oci://registry.example.com/charts")
        lines.append("      tags:")
        lines.append("      - bitnami-common")
        lines.append("      version: 2.x.x")
        lines.append(f"    description: {e['description']}")
        lines.append(f"    digest: {digest}")
        lines.append(f"    home: {e['home']}")
        lines.append(f"    icon: {e['icon']}")
        lines.append("    keywords:")
        for k in e["keywords"]:
            lines.append(f"    - {k}")
        lines.append("    maintainers:")
        lines.append("    - name: Example Maintainers")
        lines.append("      url: https://example.com/maintainers")
        lines.append(f"    name: {name}")
        lines.append("    sources:")
        for s in e["sources"]:
            lines.append(f"    - {s}")
        lines.append("    urls:")
        lines.append(f"    - {e['urls'][0]}")
        lines.append(f"    version: {ver}")
    entries[name] = vs
lines.append('generated: "2024-12-01T00:00:00Z"')
path = os.path.join(a.out, "index.yaml")
with open(path, "w") as f:
    if a.json:
        json.dump({"apiVersion": "v1", "entries": entries, "generated": "2024-12-01T00:00:00Z"}, f)
    else:
        f.write("\n".join(lines) + "\n")
print(f"{path}: {os.path.getsize(path)} bytes, {a.charts * a.versions + a.many} versions")
