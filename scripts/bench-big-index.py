#!/usr/bin/env python3
"""Big repository indexes (issue 12, item 8): helm against chart on a generated index.

usage: bench-big-index.py [--chart BIN] [--helm BIN] [--port P] [--runs N]
                          [--charts N] [--versions V] [--many M] [--json] [--work DIR]
                          [--only LABEL ...]

Generates an index with scripts/gen-big-index.py (default 1000 charts x 50 versions =
50,000 versions, 44 MB, plus `chart-many` with M versions, default 2000), serves it on
127.0.0.1:PORT (Python's http.server; a requested NAME-VERSION.tgz that is not there is
made on the fly: a minimal chart of that name and version, the same bytes every time), and
runs each command under helm and chart in turn (interleaved, N runs each) in separate
homes. Reports the median wall time, CPU time (user + system) and peak RSS (/usr/bin/time),
the ratios, and checks that stdout and the files written (the cached index, the chart list,
the pulled archive, `dependency update`'s charts/ and Chart.lock without `generated`) are
identical. `--only` runs the commands whose label contains one of the words given. Prints
the load average and a Markdown table.
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
ap.add_argument("--many", type=int, default=2000, help="versions of chart-many")
ap.add_argument("--json", action="store_true", help="serve the JSON form of the index")
ap.add_argument("--only", nargs="*", default=[], help="run only commands whose label has one of these")
ap.add_argument("--tools", default="helm,chart", help="which tools to run (comparison needs both)")
ap.add_argument("--work", default="/tmp/bench-big-index")
a = ap.parse_args()

work = a.work
shutil.rmtree(work, ignore_errors=True)
srv = os.path.join(work, "srv")
gen = [sys.executable, os.path.join(ROOT, "scripts/gen-big-index.py"), srv,
       "--charts", str(a.charts), "--versions", str(a.versions), "--many", str(a.many)]
if a.json:
    gen.append("--json")
print(subprocess.run(gen, check=True, capture_output=True, text=True).stdout.strip(), file=sys.stderr)
# The newest stable version of chart-0000 (what `pull` picks); any bytes do for the archive.
with open(os.path.join(srv, "chart-0000-1.4.4.tgz"), "wb") as f:
    f.write(b"not really a chart, pull does not look inside\n" * 100)

SERVER = r"""
import gzip, http.server, io, os, re, sys, tarfile

def chart_tgz(name, version):
    # A minimal chart archive, the same bytes for the same name and version.
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.USTAR_FORMAT) as t:
            for fn, text in ((f"{name}/Chart.yaml", f"apiVersion: v2\nname: {name}\nversion: {version}\n"),
                             (f"{name}/values.yaml", "a: 1\n")):
                data = text.encode()
                ti = tarfile.TarInfo(fn)
                ti.size, ti.mtime, ti.mode = len(data), 0, 0o644
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()

class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        m = re.fullmatch(r"/(.+)-(\d+\.\d+\.\d+[^/]*)\.tgz", self.path)
        if m and not os.path.exists(self.path[1:]):
            body = chart_tgz(m.group(1), m.group(2))
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""
server = subprocess.Popen(
    [sys.executable, "-c", SERVER, str(a.port)],
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
    """One timed run: (seconds, peak RSS in MB, CPU seconds, stdout, exit code, stderr)."""
    cmd = ["/usr/bin/time", "-f", "%e %M %U %S", "-o", f"{work}/time.txt", bin_] + args
    p = subprocess.run(cmd, env=env(home), cwd=cwd, capture_output=True)
    with open(f"{work}/time.txt") as f:
        secs, kb, user, sys_ = f.read().split()[-4:]
    return float(secs), int(kb) / 1024, float(user) + float(sys_), p.stdout, p.returncode, p.stderr


# The chart `dependency update` works on: dependencies from the big repository by version
# range, one of them chart-many (2000 versions by default).
PARENT = f"""apiVersion: v2
name: parent
version: 0.1.0
dependencies:
- name: chart-0000
  version: ">=1.2.0 <1.4.0"
  repository: {url}
- name: chart-0500
  version: ~0.3.0
  repository: {url}
- name: chart-many
  version: ^2.0.0
  repository: {url}
- name: chart-0999
  version: "*"
  repository: {url}
"""


def tree(d):
    """Every file under d (relative path -> bytes; Chart.lock without `generated`)."""
    out = {}
    for base, _, names in os.walk(d):
        for n in names:
            p = os.path.join(base, n)
            with open(p, "rb") as f:
                data = f.read()
            if n == "Chart.lock":
                data = b"".join(l for l in data.splitlines(True) if not l.startswith(b"generated:"))
            out[os.path.relpath(p, d)] = data
    return out


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
    ("dependency update", ["dependency", "update", "parent"], "added"),
]
if a.only:
    cases = [c for c in cases if any(w in c[0] for w in a.only)]
print(f"load average at start: {os.getloadavg()}", file=sys.stderr)
load_start = os.getloadavg()

tools = [(t, b) for t, b in (("helm", a.helm), ("chart", a.chart)) if t in a.tools.split(",")]
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
            if args[0] == "dependency":
                os.makedirs(f"{cwd}/parent")
                with open(f"{cwd}/parent/Chart.yaml", "w") as f:
                    f.write(PARENT)
            if state == "fresh":
                shutil.rmtree(home, ignore_errors=True)
            elif not os.path.exists(f"{home}/cache/helm/repository/big-index.yaml"):
                subprocess.run([bin_, "repo", "add", "big", url], env=env(home), check=True,
                               capture_output=True)
            secs, mb, cpu, out, rc, err = run(tool, bin_, args, home, cwd)
            if rc != 0:
                print(f"{tool} {label}: exit {rc}: {err.decode(errors='replace')[-2000:]}", file=sys.stderr)
            res[tool].append((secs, mb, cpu))
            outs[tool] = (rc, out, files(home), tree(cwd))
    if len(tools) < 2:
        for tool, _ in tools:
            r = res[tool]
            print(f"{label}: {tool} runs (wall s, peak MB, CPU s): {r}; medians "
                  f"{statistics.median(x[0] for x in r):.3f} s, {statistics.median(x[1] for x in r):.0f} MB, "
                  f"{statistics.median(x[2] for x in r):.3f} s CPU; exit {outs[tool][0]}")
        continue
    h, c = outs["helm"], outs["chart"]
    same = h == c
    if not same:
        what = [n for n, x, y in zip(("exit", "stdout", "cache files", "pulled files"), h, c) if x != y]
        failures.append(f"{label}: differs in {', '.join(what)}")
    ht = statistics.median(r[0] for r in res["helm"])
    hm = statistics.median(r[1] for r in res["helm"])
    hc = statistics.median(r[2] for r in res["helm"])
    ct = statistics.median(r[0] for r in res["chart"])
    cm = statistics.median(r[1] for r in res["chart"])
    cc = statistics.median(r[2] for r in res["chart"])
    rows.append((label, ht, hm, hc, ct, cm, cc, same, len(h[1].splitlines())))
    print(f"{label}: helm {ht:.2f}s {hm:.0f}MB cpu {hc:.2f}s, chart {ct:.2f}s {cm:.0f}MB "
          f"cpu {cc:.2f}s, identical={same}; runs helm {res['helm']} chart {res['chart']}",
          file=sys.stderr)

server.terminate()
server.wait()

print(f"load average: {load_start} at start, {os.getloadavg()} at end")
print()
print(f"| command | helm time | helm CPU | helm peak RSS | chart time | chart CPU | chart peak RSS | time ratio | CPU ratio | memory ratio | identical output |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for label, ht, hm, hc, ct, cm, cc, same, lines in rows:
    print(f"| `{label}` | {ht:.2f} s | {hc:.2f} s | {hm:.0f} MB | {ct:.3f} s | {cc:.3f} s | {cm:.0f} MB | "
          f"{ht / max(ct, 1e-3):.1f}x | {hc / max(cc, 1e-3):.1f}x | {hm / max(cm, 1e-3):.1f}x | "
          f"{'yes' if same else 'NO'} ({lines} lines) |")
for f in failures:
    print(f"DIFFERENCE: {f}")
sys.exit(1 if failures else 0)
