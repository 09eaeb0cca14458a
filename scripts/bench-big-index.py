#!/usr/bin/env python3
"""Big repository indexes (issue 12, item 8): helm against chart on a generated index.

usage: bench-big-index.py [--chart BIN] [--helm BIN] [--port P] [--runs N]
                          [--charts N] [--versions V] [--json] [--work DIR]

Generates an index with scripts/gen-big-index.py (default 1000 charts x 50 versions =
50,000 versions, 44 MB), serves it with Python's http.server on 127.0.0.1:PORT, and runs
each command under helm and chart in turn (interleaved, N runs each) in separate homes.
Reports the median wall time and the median peak RSS (/usr/bin/time -v), the ratios,
and checks that stdout and the files written (the cached index, the chart list, the
pulled archive) are identical. Prints a Markdown table.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ap = argparse.ArgumentParser()
ap.add_argument("--chart", default=os.path.join(ROOT, "target/release/chart"))
ap.add_argument("--helm", default=os.environ.get("HELM_BIN", "/usr/local/bin/helm"))
ap.add_argument("--port", type=int, default=5591)
ap.add_argument("--runs", type=int, default=3)
ap.add_argument("--charts", type=int, default=1000)
ap.add_argument("--versions", type=int, default=50)
ap.add_argument("--json", action="store_true", help="serve the JSON form of the index")
ap.add_argument("--work", default="/tmp/bench-big-index")
a = ap.parse_args()

work = a.work
shutil.rmtree(work, ignore_errors=True)
srv = os.path.join(work, "srv")
gen = [sys.executable, os.path.join(ROOT, "scripts/gen-big-index.py"), srv,
       "--charts", str(a.charts), "--versions", str(a.versions)]
if a.json:
    gen.append("--json")
print(subprocess.run(gen, check=True, capture_output=True, text=True).stdout.strip(), file=sys.stderr)
# The newest stable version of chart-0000 (what `pull` picks); any bytes do for the archive.
with open(os.path.join(srv, "chart-0000-1.4.4.tgz"), "wb") as f:
    f.write(b"not really a chart, pull does not look inside\n" * 100)

server = subprocess.Popen(
    [sys.executable, "-m", "http.server", str(a.port), "--bind", "127.0.0.1"],
    cwd=srv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
url = f"http://127.0.0.1:{a.port}"
for _ in range(100):
    try:
        import urllib.request
        urllib.request.urlopen(url + "/index.yaml").read(1)
        break
    except Exception:
        time.sleep(0.1)


def env(home):
    e = dict(os.environ)
    e.update(HELM_CONFIG_HOME=f"{home}/config", HELM_CACHE_HOME=f"{home}/cache",
             HELM_DATA_HOME=f"{home}/data", TZ="UTC", LC_ALL="C")
    for k in ("HELM_REPOSITORY_CONFIG", "HELM_REPOSITORY_CACHE"):
        e.pop(k, None)
    return e


def run(tool, bin_, args, home, cwd):
    """One timed run: (seconds, peak RSS in MB, stdout, exit code)."""
    cmd = ["/usr/bin/time", "-f", "%e %M", "-o", f"{work}/time.txt", bin_] + args
    p = subprocess.run(cmd, env=env(home), cwd=cwd, capture_output=True)
    with open(f"{work}/time.txt") as f:
        secs, kb = f.read().split()[-2:]
    return float(secs), int(kb) / 1024, p.stdout, p.returncode, p.stderr


def files(home):
    out = {}
    d = f"{home}/cache/helm/repository"
    for n in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        with open(os.path.join(d, n), "rb") as f:
            data = f.read()
        if n.endswith("-charts.txt"):
            data = b"\n".join(sorted(data.split(b"\n")))
        out[n] = data
    return out


cases = [
    ("repo add", ["repo", "add", "big", url], "fresh"),
    ("repo update", ["repo", "update"], "added"),
    ("search repo KEYWORD", ["search", "repo", "kw42"], "added"),
    ("search repo --version RANGE", ["search", "repo", "chart-01", "--version", ">=1.0.0 <1.3.0"], "added"),
    ("search repo --versions", ["search", "repo", "kw42", "--versions"], "added"),
    ("search repo -o json", ["search", "repo", "-o", "json"], "added"),
    ("pull REPO/NAME", ["pull", "big/chart-0000"], "added"),
]

tools = [("helm", a.helm), ("chart", a.chart)]
rows = []
failures = []
for label, args, state in cases:
    res = {t: [] for t, _ in tools}
    outs = {}
    for i in range(a.runs):
        for tool, bin_ in tools:
            home = f"{work}/home-{tool}"
            cwd = f"{work}/cwd-{tool}"
            shutil.rmtree(cwd, ignore_errors=True)
            os.makedirs(cwd)
            if state == "fresh":
                shutil.rmtree(home, ignore_errors=True)
            elif not os.path.exists(f"{home}/cache/helm/repository/big-index.yaml"):
                subprocess.run([bin_, "repo", "add", "big", url], env=env(home), check=True,
                               capture_output=True)
            secs, mb, out, rc, err = run(tool, bin_, args, home, cwd)
            res[tool].append((secs, mb))
            pulled = {n: open(os.path.join(cwd, n), "rb").read() for n in os.listdir(cwd)}
            outs[tool] = (rc, out, files(home), pulled)
    h, c = outs["helm"], outs["chart"]
    same = h == c
    if not same:
        what = [n for n, x, y in zip(("exit", "stdout", "cache files", "pulled files"), h, c) if x != y]
        failures.append(f"{label}: differs in {', '.join(what)}")
    ht = statistics.median(s for s, _ in res["helm"])
    hm = statistics.median(m for _, m in res["helm"])
    ct = statistics.median(s for s, _ in res["chart"])
    cm = statistics.median(m for _, m in res["chart"])
    rows.append((label, ht, hm, ct, cm, same, len(h[1].splitlines())))
    print(f"{label}: helm {ht:.2f}s {hm:.0f}MB, chart {ct:.2f}s {cm:.0f}MB, identical={same}",
          file=sys.stderr)

server.terminate()
server.wait()

print(f"| command | helm time | helm peak RSS | chart time | chart peak RSS | time ratio | memory ratio | identical output |")
print("|---|---|---|---|---|---|---|---|")
for label, ht, hm, ct, cm, same, lines in rows:
    print(f"| `{label}` | {ht:.2f} s | {hm:.0f} MB | {ct:.3f} s | {cm:.0f} MB | "
          f"{ht / max(ct, 1e-3):.1f}x | {hm / max(cm, 1e-3):.1f}x | {'yes' if same else 'NO'} ({lines} lines) |")
for f in failures:
    print(f"DIFFERENCE: {f}")
sys.exit(1 if failures else 0)
