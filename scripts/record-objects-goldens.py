#!/usr/bin/env python3
"""Record the built-in object goldens (testdata/objects/) with the real helm 3.17.3.

Usage:
    scripts/record-objects-goldens.py [--helm PATH] [SCENARIO...]

What it records
---------------
How templates see Helm's built-in objects (`.Chart`, `.Capabilities`, `.Files`,
`.Template`, `.Release`, `.Values`, `.Subcharts`): printing (`{{ X }}`, `printf` verbs),
reflection (`typeOf`, `kindOf`, `kindIs`), serialisation (`toJson`, `toYaml`, `toToml`)
and the Go methods helm lets templates call on them, with what a missing one errors with.

Inputs (written by hand, they are not expected output):
  testdata/objects/cases.txt      the expressions: operands x function templates, plus
                                  single cases (see the comments in the file)
  testdata/objects/scenarios.txt  which chart each scenario renders, with which flags
  testdata/objects/charts/*       small charts: every optional Chart.yaml field set, none,
                                  present-but-empty lists and maps, a v1 chart with
                                  requirements.yaml, subcharts (one aliased)

This script writes templates/cases.yaml into every chart and subchart there: one
`define` per case, then, when the release is named `rel`, one YAML line per case
`PREFIX-cNNNN: <the case's output as a JSON string>` (so any output is valid YAML and
trailing white space survives). A case that makes helm fail is an error case: it is
left out of that list and instead written inline, guarded by the release name
`e-PREFIX-cNNNN`, and (for scenarios marked `errors`) rendered on its own. Error cases
are found by rendering: helm names the failing `define` in its message; the case goes to
the error list and the render is repeated until it succeeds.

Outputs (the goldens; nothing in them is typed by hand):
  testdata/objects/goldens/SCENARIO/args        the arguments after `template`, one a line
  testdata/objects/goldens/SCENARIO/stdout|stderr|rc   helm's output for release `rel`
  testdata/objects/goldens/SCENARIO/errors.json {release: {stdout, stderr, rc}} for every
                                                error case (scenarios marked `errors`)

Go prints pointers nested in values (`[]*chart.Maintainer` elements, `%#v`) as heap
addresses (0xc000123456; with %d 824634000000, with %x c000123456) that change from run to
run. The script renders each scenario twice and checks that the outputs differ at most in
such addresses; the replaying test (crates/chart-cli/tests/objects_goldens.rs) compares
with every such address replaced by one placeholder on both sides, so an address must
still be printed where helm prints one.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OBJ = os.path.join(ROOT, "testdata", "objects")
CHARTS = os.path.join(OBJ, "charts")
GOLDENS = os.path.join(OBJ, "goldens")
DEFAULT_HELM = os.environ.get("HELM", "/work/helmbin/layer/helm/helm")
# A Go heap address on amd64 (0xc000000000 and up) as %v/%p (0xc…), %x, %X and %d print it.
ADDR = re.compile(r"0xc[0-9a-f]{9}|\bc0[0-9a-f]{8}\b|\bC0[0-9A-F]{8}\b|\b82[0-9]{10}\b")
EXEC_RE = re.compile(r'executing "([a-z0-9-]+)-c(\d{4})"')


def pinned_env(scratch):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_") and k != "KUBECONFIG"}
    env.update(
        TZ="UTC",
        LC_ALL="C",
        HELM_CONFIG_HOME=os.path.join(scratch, "config"),
        HELM_CACHE_HOME=os.path.join(scratch, "cache"),
        HELM_DATA_HOME=os.path.join(scratch, "data"),
        KUBECONFIG=os.path.join(scratch, "kubeconfig"),
    )
    return env


def read_cases():
    objects, funcs, single = [], [], []
    section = None
    with open(os.path.join(OBJ, "cases.txt"), encoding="utf-8") as f:
        for line in f.read().split("\n"):
            if not line or line.startswith("#"):
                continue
            if line in ("[objects]", "[funcs]", "[cases]"):
                section = line
                continue
            {"[objects]": objects, "[funcs]": funcs, "[cases]": single}[section].append(line)
    cases = []
    for o in objects:
        for fn in funcs:
            cases.append(fn.replace("X", f"({o})"))
    return cases + single


def read_scenarios():
    out = []
    with open(os.path.join(OBJ, "scenarios.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            out.append({"name": parts[0], "chart": parts[1], "errors": parts[2] == "errors", "args": parts[3:]})
    return out


def chart_dirs(chart):
    """(prefix, directory) of a chart and every chart under its charts/ directory."""
    out = []

    def walk(d, prefix):
        out.append((prefix, d))
        sub = os.path.join(d, "charts")
        if os.path.isdir(sub):
            for name in sorted(os.listdir(sub)):
                if os.path.isfile(os.path.join(sub, name, "Chart.yaml")):
                    walk(os.path.join(sub, name), f"{prefix}-{name}")

    walk(os.path.join(CHARTS, chart), chart)
    return out


def write_cases(prefix, d, cases, errors):
    lines = []
    for i, c in enumerate(cases, 1):
        lines.append(f'{{{{- define "{prefix}-c{i:04d}" }}}}{c}{{{{ end }}}}')
    lines.append('{{- if eq .Release.Name "rel" }}')
    for i in range(1, len(cases) + 1):
        if i not in errors:
            lines.append(f'{prefix}-c{i:04d}: {{{{ include "{prefix}-c{i:04d}" . | toJson }}}}')
    lines.append("{{- end }}")
    for i in sorted(errors):
        lines.append(f'{{{{- if eq .Release.Name "e-{prefix}-c{i:04d}" }}}}')
        lines.append(cases[i - 1])
        lines.append("{{- end }}")
    os.makedirs(os.path.join(d, "templates"), exist_ok=True)
    with open(os.path.join(d, "templates", "cases.yaml"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def run(helm, env, release, chart, args):
    p = subprocess.run(
        [helm, "template", release, chart] + args,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    return p.stdout.decode("utf-8", "surrogateescape"), p.stderr.decode("utf-8", "surrogateescape"), p.returncode


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--helm", default=DEFAULT_HELM)
    ap.add_argument("--fresh", action="store_true", help="find every error case again")
    ap.add_argument("scenarios", nargs="*")
    a = ap.parse_args()
    scratch = tempfile.mkdtemp(prefix="objects-env-")
    env = pinned_env(scratch)
    cases = read_cases()
    scenarios = read_scenarios()
    if a.scenarios:
        scenarios = [s for s in scenarios if s["name"] in a.scenarios]
    # Error cases per chart prefix, found by rendering every scenario until it passes.
    errors = {}
    done_charts = set()
    for s in scenarios:
        dirs = chart_dirs(s["chart"])
        if s["chart"] not in done_charts:
            for prefix, d in dirs:
                # Start from the error cases of the last recording (checked below: each
                # must still fail on its own).
                errors[prefix] = set()
                old = os.path.join(d, "templates", "cases.yaml")
                if os.path.exists(old) and not a.fresh:
                    with open(old, encoding="utf-8") as f:
                        errors[prefix] = {int(n) for n in re.findall(rf'"e-{prefix}-c(\d{{4}})"', f.read())}
                write_cases(prefix, d, cases, errors[prefix])
            done_charts.add(s["chart"])
        chart = os.path.relpath(os.path.join(CHARTS, s["chart"]), ROOT)
        while True:
            out, err, rc = run(a.helm, env, "rel", chart, s["args"])
            if rc == 0:
                break
            found = EXEC_RE.findall(err)
            if not found:
                raise SystemExit(f"{s['name']}: helm failed outside a case:\n{err}")
            prefix, num = found[-1][0], int(found[-1][1])
            if prefix not in errors or num in errors[prefix]:
                raise SystemExit(f"{s['name']}: unexpected failure in {prefix}-c{num:04d}:\n{err}")
            errors[prefix].add(num)
            print(f"{s['name']}: error case {prefix}-c{num:04d}", file=sys.stderr)
            d = dict(dirs)[prefix]
            write_cases(prefix, d, cases, errors[prefix])
    # Every chart now renders; record.
    for s in scenarios:
        chart = os.path.relpath(os.path.join(CHARTS, s["chart"]), ROOT)
        g = os.path.join(GOLDENS, s["name"])
        shutil.rmtree(g, ignore_errors=True)
        os.makedirs(g)
        with open(os.path.join(g, "args"), "w") as f:
            f.write("\n".join([chart] + s["args"]) + "\n")
        out, err, rc = run(a.helm, env, "rel", chart, s["args"])
        out2, err2, rc2 = run(a.helm, env, "rel", chart, s["args"])
        if (ADDR.sub("ADDR", out), err, rc) != (ADDR.sub("ADDR", out2), err2, rc2):
            raise SystemExit(f"{s['name']}: helm's output differs between runs beyond pointer addresses")
        if rc != 0:
            raise SystemExit(f"{s['name']}: helm failed:\n{err}")
        with open(os.path.join(g, "stdout"), "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(out)
        with open(os.path.join(g, "stderr"), "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(err)
        with open(os.path.join(g, "rc"), "w") as f:
            f.write(f"{rc}\n")
        n_addr = sum(1 for line in out.split("\n") if ADDR.search(line))
        runs = {}
        if s["errors"]:
            for prefix, _ in chart_dirs(s["chart"]):
                for num in sorted(errors.get(prefix, ())):
                    rel = f"e-{prefix}-c{num:04d}"
                    o, e, r = run(a.helm, env, rel, chart, s["args"])
                    if r == 0:
                        raise SystemExit(f"{s['name']}: {rel} renders: cases changed; record with --fresh")
                    runs[rel] = {"stdout": o, "stderr": e, "rc": r}
            with open(os.path.join(g, "errors.json"), "w", encoding="utf-8") as f:
                json.dump(runs, f, indent=1, sort_keys=True, ensure_ascii=False)
                f.write("\n")
        print(
            f"{s['name']}: {out.count(': ')} output lines ({n_addr} with pointer addresses), {len(runs)} error runs",
            file=sys.stderr,
        )
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
