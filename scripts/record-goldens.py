#!/usr/bin/env python3
"""Record template goldens with the real helm binary.

Usage:
    scripts/record-goldens.py [--helm PATH] [--jobs N] FILE.cases...

Each FILE.cases holds template cases; the goldens go to FILE.golden.json beside it, one
entry per case: {"out": "<rendered text>"} or {"err": "<helm's error message>"}; output
that is not valid UTF-8 (Go strings are bytes) is {"out_b64": "<base64 of the bytes>"}.
Nothing in a golden is typed by hand: this script is the only writer.

It also keeps testdata/recorded-cases.txt, one line "PATH COUNT" per .cases file under
testdata/ (PATH relative to testdata/): how many cases it recorded there. The golden
harness (crates/chart-core/tests/template_goldens.rs) checks every listed file and every
case, so a golden, a .cases file or a case that goes missing fails the tests.

helm runs with TZ=UTC and LC_ALL=C (as in the other recorders) and without the caller's
HELM_* settings, so the goldens do not depend on the machine that records them.

The .cases format
-----------------
    === case-name
    --- values: {"json": "object"}          (optional: becomes values.yaml)
    --- set: a=1                            (optional, repeatable: passed as --set)
    template text, any number of lines
    --- file: _helpers.tpl                  (optional: another file in templates/)
    more template text

A case runs until the next line starting with "=== " (or the end of the file). Each
file's text is the lines between its header and the next header, with the one final
newline removed (write an empty line to keep a trailing newline). The case's first
text is templates/t.yaml of a chart named "t".

How the output is captured
--------------------------
helm only prints a rendered template verbatim when the render as a whole fails YAML
parsing under --debug, so the scratch chart always carries templates/zz.yaml holding
invalid YAML, and t.yaml gets the sentinel "#END#" appended so that trailing white
space survives. The text between "# Source: t/templates/t.yaml\n" and the sentinel is
the golden. Helm itself deletes "<no value>" from the output; so does our harness.
When t.yaml fails to render, the case runs again without --debug and the golden is
the text of helm's "Error: " line(s), without helm's "Use --debug" hint.
"""

import argparse
import base64
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile

SENTINEL = "#END#"
DEFAULT_HELM = os.environ.get("HELM", "/work/helmbin/layer/helm/helm")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTDATA = os.path.join(ROOT, "testdata")
MANIFEST = os.path.join(TESTDATA, "recorded-cases.txt")
MANIFEST_HEADER = (
    "# Cases per .cases file, as scripts/record-goldens.py last recorded them (written by\n"
    "# the recorder, never by hand). crates/chart-core/tests/template_goldens.rs fails when a\n"
    "# listed file, its golden or one of its cases is missing.\n"
)


def pinned_env(scratch):
    """The environment helm runs in: no caller zone, locale or helm settings."""
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


def read_manifest():
    counts = {}
    if os.path.exists(MANIFEST):
        with open(MANIFEST, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    path, n = line.rsplit(" ", 1)
                    counts[path] = int(n)
    return counts


def write_manifest(counts):
    with open(MANIFEST, "w", encoding="utf-8") as f:
        f.write(MANIFEST_HEADER)
        for path in sorted(counts):
            f.write(f"{path} {counts[path]}\n")


def parse_cases(path):
    cases = []
    cur = None
    section = None
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()

    def close_section():
        if cur is not None and section is not None:
            body = "\n".join(section[1])
            cur["files"].append((section[0], body))

    for line in lines:
        if line.startswith("=== "):
            close_section()
            cur = {"name": line[4:].strip(), "values": None, "set": [], "files": []}
            cases.append(cur)
            section = ["t.yaml", []]
            continue
        if cur is None:
            continue  # preamble comments
        if line.startswith("--- values: ") and not section[1] and len(cur["files"]) == 0:
            cur["values"] = json.loads(line[len("--- values: "):])
            continue
        if line.startswith("--- set: ") and not section[1] and len(cur["files"]) == 0:
            cur["set"].append(line[len("--- set: "):])
            continue
        if line.startswith("--- file: "):
            close_section()
            section = [line[len("--- file: "):].strip(), []]
            continue
        section[1].append(line)
    close_section()
    names = [c["name"] for c in cases]
    dups = {n for n in names if names.count(n) > 1}
    if dups:
        raise SystemExit(f"{path}: duplicate case names: {sorted(dups)}")
    return cases


def run_case(helm, env, case):
    d = tempfile.mkdtemp(prefix="golden-")
    try:
        chart = os.path.join(d, "t")
        os.makedirs(os.path.join(chart, "templates"))
        with open(os.path.join(chart, "Chart.yaml"), "w") as f:
            f.write("apiVersion: v2\nname: t\nversion: 0.1.0\n")
        with open(os.path.join(chart, "values.yaml"), "w") as f:
            f.write(json.dumps(case["values"]) if case["values"] is not None else "")
        for i, (name, body) in enumerate(case["files"]):
            p = os.path.join(chart, "templates", name)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w", encoding="utf-8") as f:
                f.write(body + (SENTINEL if i == 0 else ""))
        with open(os.path.join(chart, "templates", "zz.yaml"), "w") as f:
            f.write("a: [\n")
        args = [helm, "template", "r", chart]
        for s in case["set"]:
            args += ["--set", s]
        p = subprocess.run(args + ["--debug"], capture_output=True, cwd=d, env=env, timeout=60)
        out = p.stdout.decode("utf-8", "surrogateescape")
        err = p.stderr.decode("utf-8", "surrogateescape")
        marker = "# Source: t/templates/t.yaml\n"
        if "YAML parse error on t/templates/" in err and marker in out:
            start = out.index(marker) + len(marker)
            end = out.find(SENTINEL, start)
            if end < 0:
                raise RuntimeError(f"{case['name']}: sentinel missing from output")
            text = out[start:end]
            raw = text.encode("utf-8", "surrogateescape")
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                # Go strings are bytes: output that is not UTF-8 is kept exactly, as base64.
                return {"out_b64": base64.b64encode(raw).decode("ascii")}
            return {"out": text}
        if "YAML parse error on t/templates/" in err and marker not in out:
            # t.yaml rendered to white space only (cannot happen with the sentinel)
            raise RuntimeError(f"{case['name']}: no output section")
        p = subprocess.run(args, capture_output=True, cwd=d, env=env, timeout=60)
        err = p.stderr.decode("utf-8", "surrogateescape")
        if p.returncode == 0:
            raise RuntimeError(f"{case['name']}: helm succeeded unexpectedly")
        i = err.find("Error: ")
        if i < 0:
            raise RuntimeError(f"{case['name']}: no error line in {err!r}")
        msg = err[i + len("Error: "):]
        hint = "\n\nUse --debug flag to render out invalid YAML\n"
        if msg.endswith(hint):
            msg = msg[: -len(hint)]
        elif msg.endswith("\n"):
            msg = msg[:-1]
        return {"err": msg}
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--helm", default=DEFAULT_HELM)
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    if not shutil.which(a.helm) and not os.path.exists(a.helm):
        raise SystemExit(f"helm not found at {a.helm} (set HELM or --helm)")
    scratch = tempfile.mkdtemp(prefix="golden-env-")
    env = pinned_env(scratch)
    counts = read_manifest()
    for path in a.files:
        cases = parse_cases(path)
        with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
            results = list(ex.map(lambda c: run_case(a.helm, env, c), cases))
        golden = {c["name"]: r for c, r in zip(cases, results)}
        out = path[: -len(".cases")] + ".golden.json" if path.endswith(".cases") else path + ".golden.json"
        with open(out, "w", encoding="utf-8") as f:
            json.dump(golden, f, indent=1, sort_keys=True, ensure_ascii=False)
            f.write("\n")
        print(f"{path}: {len(cases)} cases -> {out}", file=sys.stderr)
        rel = os.path.relpath(os.path.abspath(path), TESTDATA)
        if rel.startswith(".."):
            print(f"{path}: outside testdata/, not listed in {MANIFEST}", file=sys.stderr)
        else:
            counts[rel.replace(os.sep, "/")] = len(cases)
            write_manifest(counts)
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
