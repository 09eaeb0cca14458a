#!/usr/bin/env python3
"""bench-vs-helm: time `chart template` against `helm template`, whole process.

Usage:
    scripts/bench-vs-helm.py [--runs N] [--json FILE] [--no-build] [--helm PATH]
                             [--chart PATH] [--corpus DIR] [--sizes 10,30,100,300]
                             [--umbrella-charts bitnami-apache,bitnami-redis]
                             [--largest 12] [--synthetic]
                             [--only TEXT] [--no-corpus] [--no-umbrella]

Run from anywhere; paths default relative to the repository root. Unless
--no-build is given the script first runs `cargo build --release -p chart-cli`.

Workloads
  * corpus:   every case of <corpus>/cases.tsv whose recorded exit code is 0 and
              that helm renders successfully here; the command is the one
              corpus-check uses, run in the corpus directory:
                  <tool> template rel <chart> --namespace corpus-ns <args>
  * umbrella: for each real corpus chart in --umbrella-charts, an umbrella of N
              aliased instances of it made by ../shared/tools/make-umbrella.py
              (N from --sizes), rendered as `template bench DIR` (issue 11's
              workload: bitnami-apache carries Bitnami's `common` library; so does
              bitnami-redis, the second chart).
  * synthetic (only with --synthetic): charts made by scripts/gen-umbrella.sh
              with N helper-heavy subcharts, the project's own older workload.
  * largest:  with --largest K, the summary also reports the K corpus cases with
              the largest helm goldens (the twelve-largest table of issue 11).
  * shop:     the repository's charts/shop, `template shop charts/shop --namespace shop`.

Method
  Each workload first gets one warm-up run of each tool (which also checks that
  both exit 0 and print the same stdout; a difference is reported, not fatal).
  Then --runs rounds follow; each round runs helm and chart once, alternating
  which goes first, so slow drifts in machine load hit both tools alike.
  stdout/stderr go to /dev/null during timed runs. Wall time is measured around
  fork+exec+wait (time.perf_counter), nothing in between.
  Peak RSS comes from --rss-runs separate runs per tool under `/usr/bin/time -f %M`
  (it costs a few ms, so it stays out of the timed runs). If /usr/bin/time is
  missing, install it (Debian/Ubuntu: `apt-get install time`); the fallback,
  os.wait4's ru_maxrss, over-reports small tools: Linux keeps the RSS high-water
  mark across exec, so a child (v)forked from Python starts at Python's RSS.

  Helm runs with a scratch HELM_CONFIG_HOME/HELM_CACHE_HOME/HELM_DATA_HOME and
  KUBECONFIG, LC_ALL=C and TZ=UTC, the same environment as the golden recorders.

Output
  A Markdown table (median wall ms, ratio helm/chart, peak RSS MB of each and the
  RSS ratio) and a summary checked against the project's targets:
    - corpus median of helm/chart time ratios >= 10
    - 100-subchart umbrella ratio >= 30
    - linear growth 10 -> 30 -> 100 subcharts
    - chart's peak RSS <= 1/5 of helm's (median over corpus and on the umbrella)
  With --json FILE the raw per-run numbers, medians and summary go to FILE.
  The load average (1/5/15 min) is recorded at start and end: the numbers are
  only as good as the machine was quiet.

Exit status: 0 when the benchmark ran (whether targets are met or not),
1 when a tool could not be run at all, 2 on a usage error.
"""

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DEFAULT_HELM = "/work/helmbin/layer/helm/helm"
DEFAULT_CORPUS = "/work/shared/corpus"

TARGET_CORPUS_RATIO = 10.0
TARGET_UMBRELLA_RATIO = 30.0
TARGET_MEM_FRACTION = 1 / 5
# Growth counts as linear when the marginal cost per subchart between 30 and 100
# is at most this factor of the marginal cost between 10 and 30.
LINEAR_TOLERANCE = 1.5


def parse_args():
    p = argparse.ArgumentParser(description="Time `chart template` against `helm template`.")
    p.add_argument("--runs", type=int, default=5, help="timed runs per tool and workload (default 5)")
    p.add_argument("--json", metavar="FILE", help="write raw numbers and summary as JSON to FILE")
    p.add_argument("--no-build", action="store_true", help="skip `cargo build --release -p chart-cli`")
    p.add_argument("--helm", default=os.environ.get("HELM", DEFAULT_HELM),
                   help="helm binary (default: $HELM or %s)" % DEFAULT_HELM)
    p.add_argument("--chart", default=os.path.join(REPO, "target", "release", "chart"),
                   help="chart binary (default: target/release/chart)")
    p.add_argument("--corpus", default=DEFAULT_CORPUS, help="corpus directory (default %s)" % DEFAULT_CORPUS)
    p.add_argument("--sizes", default="10,30,100,300",
                   help="umbrella sizes, comma separated (default 10,30,100,300)")
    p.add_argument("--umbrella-charts", default="bitnami-apache,bitnami-redis",
                   help="corpus charts (under <corpus>/charts) to build umbrellas of, comma separated")
    p.add_argument("--umbrella-args", action="append", default=[
                       "bitnami-redis=--set global.redis.password=bench-pass"], metavar="CHART=ARGS",
                   help="extra `template` arguments for the umbrellas of CHART (default: a fixed redis "
                        "password for bitnami-redis, which otherwise makes a random one per run)")
    p.add_argument("--largest", type=int, default=12,
                   help="report the K corpus cases with the largest goldens separately (default 12; 0: off)")
    p.add_argument("--synthetic", action="store_true",
                   help="also run the synthetic umbrellas of scripts/gen-umbrella.sh")
    p.add_argument("--only", action="append", default=[], metavar="TEXT",
                   help="run only corpus cases whose id contains TEXT (may be repeated)")
    p.add_argument("--no-corpus", action="store_true", help="skip the corpus workloads")
    p.add_argument("--no-umbrella", action="store_true", help="skip the umbrella and shop workloads")
    p.add_argument("--rss-runs", type=int, default=1,
                   help="extra runs per tool and workload that measure peak RSS (default 1)")
    p.add_argument("--timeout", type=float, default=300, help="seconds allowed per run (default 300)")
    opts = p.parse_args()
    opts.time_bin = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    if opts.rss_runs < 1:
        p.error("--rss-runs must be >= 1")
    if opts.runs < 1:
        p.error("--runs must be >= 1")
    try:
        opts.sizes = [int(s) for s in opts.sizes.split(",") if s.strip()]
    except ValueError:
        p.error("--sizes must be comma-separated integers")
    if any(n < 1 for n in opts.sizes):
        p.error("--sizes must be >= 1")
    return opts


def pinned_env(scratch):
    env = dict(os.environ)
    env.update({
        "HELM_CONFIG_HOME": os.path.join(scratch, "config"),
        "HELM_CACHE_HOME": os.path.join(scratch, "cache"),
        "HELM_DATA_HOME": os.path.join(scratch, "data"),
        "KUBECONFIG": os.path.join(scratch, "kubeconfig"),
        "LC_ALL": "C",
        "TZ": "UTC",
    })
    # Unset rather than empty: an empty HELM_DEBUG is not a valid boolean for every CLI.
    for k in ("HELM_NAMESPACE", "HELM_DEBUG", "HELM_KUBECONTEXT", "HELM_KUBEAPISERVER", "HELM_KUBETOKEN"):
        env.pop(k, None)
    return env


def run_timed(argv, cwd, env, timeout):
    """Run argv with output discarded; return (exit code, wall s, ru_maxrss KiB, CPU s).

    CPU is the child's user+system time (all its threads), from wait4's rusage.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Blocking wait4 (no polling); a timer kills the child if it overruns.
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        _, status, ru = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = ru.ru_utime + ru.ru_stime
    if wall >= timeout:
        return None, wall, ru.ru_maxrss, cpu
    return proc.returncode, wall, ru.ru_maxrss, cpu


def measure_rss(argv, cwd, env, opts):
    """Peak RSS (KiB) of one run of argv.

    With /usr/bin/time, the tool is forked from that small C process. The fallback,
    os.wait4's ru_maxrss of our own child, is only an upper bound: Linux keeps the
    high-water mark across exec, and our child starts as a (v)fork of this Python
    process, so small tools report Python's RSS (10-20 MB) instead of their own.
    """
    if opts.time_bin:
        with tempfile.NamedTemporaryFile("r", suffix=".rss") as f:
            subprocess.run([opts.time_bin, "-f", "%M", "-o", f.name] + argv, cwd=cwd, env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=opts.timeout)
            text = f.read().strip().splitlines()
        try:
            return int(text[-1])
        except (IndexError, ValueError):
            return 0
    return run_timed(argv, cwd, env, opts.timeout)[2]


def run_capture(argv, cwd, env, timeout):
    """Run argv once capturing output (warm-up and equality check)."""
    try:
        p = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, b"", b"timed out"
    return p.returncode, p.stdout, p.stderr


def normalize(out):
    lines = [l.rstrip() for l in out.decode("utf-8", "replace").split("\n")]
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def bench_workload(name, kind, args, cwd, tools, env, opts, log):
    """Warm up, check, then time `runs` interleaved rounds. Return a result dict or None."""
    helm, chart = tools
    res = {"name": name, "kind": kind, "args": args, "cwd": cwd}
    rc_h, out_h, err_h = run_capture([helm] + args, cwd, env, opts.timeout)
    if rc_h != 0:
        log("  skip %s: helm exits %s: %s" % (name, rc_h, err_h.decode("utf-8", "replace").strip()[:200]))
        return None
    rc_c, out_c, err_c = run_capture([chart] + args, cwd, env, opts.timeout)
    res["chart_exit_ok"] = rc_c == 0
    res["same_output"] = rc_c == 0 and normalize(out_h) == normalize(out_c)
    if rc_c != 0:
        log("  note %s: chart exits %s: %s" % (name, rc_c, err_c.decode("utf-8", "replace").strip()[:200]))
    elif not res["same_output"]:
        log("  note %s: chart output differs from helm's" % name)
    res["output_bytes"] = len(out_h)
    runs = {"helm": [], "chart": []}
    for i in range(opts.runs):
        order = [("helm", helm), ("chart", chart)]
        if i % 2:
            order.reverse()
        for tool, binary in order:
            rc, wall, _, cpu = run_timed([binary] + args, cwd, env, opts.timeout)
            runs[tool].append({"exit": rc, "wall_s": wall, "cpu_s": cpu})
    res["runs"] = runs
    # Peak RSS in separate runs: /usr/bin/time costs a few ms of wall time, too much to
    # leave inside the timed runs of a tool that takes a few ms.
    rss = {"helm": [], "chart": []}
    for _ in range(opts.rss_runs):
        for tool, binary in (("helm", helm), ("chart", chart)):
            rss[tool].append(measure_rss([binary] + args, cwd, env, opts))
    res["rss_runs_kib"] = rss
    res["rss_method"] = "/usr/bin/time -f %M" if opts.time_bin else "os.wait4 ru_maxrss (upper bound)"
    for tool in ("helm", "chart"):
        res[tool] = {
            "median_s": statistics.median(r["wall_s"] for r in runs[tool]),
            "min_s": min(r["wall_s"] for r in runs[tool]),
            "max_s": max(r["wall_s"] for r in runs[tool]),
            "cpu_median_s": statistics.median(r["cpu_s"] for r in runs[tool]),
            "maxrss_kib": max(rss[tool]),
        }
    res["time_ratio"] = res["helm"]["median_s"] / res["chart"]["median_s"]
    res["cpu_ratio"] = res["helm"]["cpu_median_s"] / max(res["chart"]["cpu_median_s"], 1e-4)
    res["mem_ratio"] = res["helm"]["maxrss_kib"] / max(res["chart"]["maxrss_kib"], 1)
    log("  %-32s helm %8.1f ms  chart %8.1f ms  x%6.1f  (cpu x%6.1f)  rss %6.1f / %5.1f MB" % (
        name, res["helm"]["median_s"] * 1e3, res["chart"]["median_s"] * 1e3, res["time_ratio"], res["cpu_ratio"],
        res["helm"]["maxrss_kib"] / 1024, res["chart"]["maxrss_kib"] / 1024))
    return res


def read_cases(corpus):
    with open(os.path.join(corpus, "cases.tsv"), encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    header = lines[0].split("\t")
    return [dict(zip(header, l.split("\t"))) for l in lines[1:]]


def table(results):
    rows = ["| workload | helm ms | chart ms | helm/chart | helm CPU ms | chart CPU ms | CPU helm/chart "
            "| helm RSS MB | chart RSS MB | RSS helm/chart | same output |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|"]
    for r in results:
        rows.append("| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %s |" % (
            r["name"], r["helm"]["median_s"] * 1e3, r["chart"]["median_s"] * 1e3, r["time_ratio"],
            r["helm"]["cpu_median_s"] * 1e3, r["chart"]["cpu_median_s"] * 1e3, r["cpu_ratio"],
            r["helm"]["maxrss_kib"] / 1024, r["chart"]["maxrss_kib"] / 1024, r["mem_ratio"],
            "yes" if r["same_output"] else ("DIFF" if r["chart_exit_ok"] else "chart failed")))
    return "\n".join(rows)


def growth(umbrellas, tool, key="median_s"):
    """Times for the umbrella sizes and a linearity check on marginal cost per subchart."""
    pts = sorted((u["subcharts"], u[tool][key]) for u in umbrellas)
    out = {"points": [{"subcharts": n, "median_s": t} for n, t in pts]}
    if len(pts) >= 2:
        marg = []
        for (n0, t0), (n1, t1) in zip(pts, pts[1:]):
            marg.append({"from": n0, "to": n1, "ms_per_subchart": (t1 - t0) / (n1 - n0) * 1e3,
                         "time_factor": t1 / t0, "size_factor": n1 / n0})
        out["steps"] = marg
        # Least-squares fit t = a + b*n.
        ns = [n for n, _ in pts]
        ts = [t for _, t in pts]
        mn, mt = statistics.mean(ns), statistics.mean(ts)
        sxx = sum((n - mn) ** 2 for n in ns)
        b = sum((n - mn) * (t - mt) for n, t in pts) / sxx if sxx else 0.0
        a = mt - b * mn
        ss_tot = sum((t - mt) ** 2 for t in ts)
        ss_res = sum((t - (a + b * n)) ** 2 for n, t in pts)
        out["fit"] = {"intercept_ms": a * 1e3, "ms_per_subchart": b * 1e3,
                      "r2": 1 - ss_res / ss_tot if ss_tot else 1.0}
        first, last = marg[0]["ms_per_subchart"], marg[-1]["ms_per_subchart"]
        out["marginal_growth"] = last / first if first > 0 else None
        out["linear"] = first > 0 and last / first <= LINEAR_TOLERANCE
    return out


def main():
    opts = parse_args()
    log = lambda s: print(s, file=sys.stderr, flush=True)
    if not opts.no_build:
        log("building: cargo build --release -p chart-cli")
        b = subprocess.run(["cargo", "build", "--release", "-p", "chart-cli"], cwd=REPO)
        if b.returncode != 0:
            log("build failed")
            return 1
    helm = shutil.which(opts.helm) or opts.helm
    chart = os.path.abspath(opts.chart)
    for t in (helm, chart):
        if not os.access(t, os.X_OK):
            log("not executable: %s" % t)
            return 1

    load_start = os.getloadavg()
    log("load average at start: %.2f %.2f %.2f (cpus: %s)" % (load_start + (os.cpu_count(),)))
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-vs-helm.") as scratch:
        env = pinned_env(scratch)
        if not opts.no_corpus:
            corpus = os.path.abspath(opts.corpus)
            log("corpus: %s" % corpus)
            for case in read_cases(corpus):
                if case.get("exit_code") != "0":
                    continue
                if opts.only and not any(t in case["id"] for t in opts.only):
                    continue
                args = ["template", "rel", case["chart"], "--namespace", "corpus-ns"] + shlex.split(case["args"])
                r = bench_workload(case["id"], "corpus", args, corpus, (helm, chart), env, opts, log)
                if r:
                    results.append(r)
        if not opts.no_umbrella:
            make = os.path.join(REPO, "..", "shared", "tools", "make-umbrella.py")
            corpus_charts = os.path.join(os.path.abspath(opts.corpus), "charts")
            for sub in [c for c in opts.umbrella_charts.split(",") if c]:
                for n in opts.sizes:
                    name = "%s-umbrella-%d" % (sub, n)
                    if opts.only and not any(t in name for t in opts.only):
                        continue
                    d = os.path.join(scratch, name)
                    g = subprocess.run([sys.executable, make, os.path.join(corpus_charts, sub), str(n), d],
                                       capture_output=True, text=True)
                    if g.returncode != 0:
                        log("make-umbrella.py %s %d failed: %s" % (sub, n, g.stderr.strip()))
                        continue
                    extra = []
                    for ua in opts.umbrella_args:
                        k, _, v = ua.partition("=")
                        if k == sub:
                            extra += shlex.split(v)
                    r = bench_workload(name, "umbrella", ["template", "bench", d] + extra, scratch,
                                       (helm, chart), env, opts, log)
                    if r:
                        r["subcharts"] = n
                        r["subchart"] = sub
                        r["cwd"] = "<scratch>"
                        r["args"] = ["template", "bench", "<scratch>/%s" % name] + extra
                        results.append(r)
            for n in (opts.sizes if opts.synthetic else []):
                d = os.path.join(scratch, "umbrella-%d" % n)
                g = subprocess.run([os.path.join(REPO, "scripts", "gen-umbrella.sh"), str(n), d],
                                   capture_output=True, text=True)
                if g.returncode != 0:
                    log("gen-umbrella.sh %d failed: %s" % (n, g.stderr.strip()))
                    continue
                r = bench_workload("synthetic-umbrella-%d" % n, "synthetic", ["template", "bench", d], scratch,
                                   (helm, chart), env, opts, log)
                if r:
                    r["subcharts"] = n
                    r["cwd"] = "<scratch>"
                    r["args"] = ["template", "bench", "<scratch>/umbrella-%d" % n]
                    results.append(r)
            r = bench_workload("shop", "shop", ["template", "shop", "charts/shop", "--namespace", "shop"],
                               REPO, (helm, chart), env, opts, log)
            if r:
                results.append(r)
    load_end = os.getloadavg()

    # A run where chart fails says nothing about its speed: keep it in the table, not in the summary.
    failed = [r["name"] for r in results if not r["chart_exit_ok"]]
    corpus_res = [r for r in results if r["kind"] == "corpus" and r["chart_exit_ok"]]
    umbrellas = [r for r in results if r["kind"] == "umbrella" and r["chart_exit_ok"]]
    summary = {"load_avg_start": load_start, "load_avg_end": load_end, "cpus": os.cpu_count(),
               "runs": opts.runs, "chart_failed": failed}
    lines = []
    if failed:
        lines.append("- chart FAILED (left out of the summary): %s" % ", ".join(failed))
    if corpus_res:
        ratios = [r["time_ratio"] for r in corpus_res]
        mems = [r["mem_ratio"] for r in corpus_res]
        summary["corpus"] = {
            "cases": len(corpus_res),
            "median_time_ratio": statistics.median(ratios),
            "geomean_time_ratio": statistics.geometric_mean(ratios),
            "min_time_ratio": min(ratios),
            "min_time_ratio_case": min(corpus_res, key=lambda r: r["time_ratio"])["name"],
            "median_cpu_ratio": statistics.median(r["cpu_ratio"] for r in corpus_res),
            "median_mem_ratio": statistics.median(mems),
            "min_mem_ratio": min(mems),
            "median_helm_ms": statistics.median(r["helm"]["median_s"] for r in corpus_res) * 1e3,
            "median_chart_ms": statistics.median(r["chart"]["median_s"] for r in corpus_res) * 1e3,
            "outputs_differ": [r["name"] for r in results if r["chart_exit_ok"] and not r["same_output"]],
        }
        c = summary["corpus"]
        ok = c["median_time_ratio"] >= TARGET_CORPUS_RATIO
        lines.append("- corpus (%d cases): median helm/chart wall-time ratio **%.1fx** (geomean %.1fx, min %.1fx on %s; "
                     "CPU-time ratio median %.1fx); target >= %.0fx: %s" % (
                         c["cases"], c["median_time_ratio"], c["geomean_time_ratio"], c["min_time_ratio"],
                         c["min_time_ratio_case"], c["median_cpu_ratio"], TARGET_CORPUS_RATIO,
                         "MET" if ok else "NOT MET"))
        okm = c["median_mem_ratio"] >= 1 / TARGET_MEM_FRACTION
        lines.append("- corpus peak RSS: median helm/chart **%.1fx** (min %.1fx); target >= %.0fx: %s" % (
            c["median_mem_ratio"], c["min_mem_ratio"], 1 / TARGET_MEM_FRACTION, "MET" if okm else "NOT MET"))
        if c["outputs_differ"]:
            lines.append("- outputs differing from helm: %s" % ", ".join(c["outputs_differ"]))
    if opts.largest > 0 and corpus_res:
        gold = os.path.join(os.path.abspath(opts.corpus), "golden")
        size = lambda r: os.path.getsize(os.path.join(gold, r["name"] + ".yaml")) \
            if os.path.exists(os.path.join(gold, r["name"] + ".yaml")) else 0
        big = sorted(corpus_res, key=size, reverse=True)[:opts.largest]
        ratios = [r["time_ratio"] for r in big]
        summary["largest"] = {"cases": [r["name"] for r in big], "median_time_ratio": statistics.median(ratios),
                              "min_time_ratio": min(ratios),
                              "min_case": min(big, key=lambda r: r["time_ratio"])["name"]}
        ok = statistics.median(ratios) >= 10 and min(ratios) >= 5
        lines.append("- the %d largest corpus cases (by golden size): median helm/chart **%.1fx**, min %.1fx on %s; "
                     "target median >= 10x, none below 5x: %s" % (
                         len(big), statistics.median(ratios), min(ratios), summary["largest"]["min_case"],
                         "MET" if ok else "NOT MET"))
        summary["largest_table"] = table(big)
    if umbrellas:
        differ = [r["name"] for r in results if r["kind"] != "corpus" and r["chart_exit_ok"] and not r["same_output"]]
        if differ:
            lines.append("- outputs differing from helm: %s" % ", ".join(differ))
        summary["umbrella"] = {}
        for sub in sorted({u.get("subchart", "") for u in umbrellas}):
            group = [u for u in umbrellas if u.get("subchart", "") == sub]
            at100 = [u for u in group if u["subcharts"] == 100]
            big = at100[0] if at100 else max(group, key=lambda r: r["subcharts"])
            summary["umbrella"][sub] = {
                "reported": big["subcharts"],
                "time_ratio": big["time_ratio"],
                "mem_ratio": big["mem_ratio"],
                "cpu_ratio": big["cpu_ratio"],
                "min_mem_ratio": min(u["mem_ratio"] for u in group),
                "growth": {"helm": growth(group, "helm"), "chart": growth(group, "chart")},
                "cpu_growth": {"helm": growth(group, "helm", "cpu_median_s"),
                               "chart": growth(group, "chart", "cpu_median_s")},
            }
            ok = big["time_ratio"] >= TARGET_UMBRELLA_RATIO
            lines.append("- %s umbrella-%d: helm/chart wall time **%.1fx** (CPU time %.1fx); target >= %.0fx: %s" % (
                sub, big["subcharts"], big["time_ratio"], big["cpu_ratio"], TARGET_UMBRELLA_RATIO,
                "MET" if ok else "NOT MET"))
            mm = summary["umbrella"][sub]["min_mem_ratio"]
            okm = mm >= 1 / TARGET_MEM_FRACTION
            lines.append("- %s umbrella peak RSS: at %d helm %.1f MB, chart %.1f MB (helm/chart %.1fx); lowest "
                         "helm/chart over all sizes **%.1fx**; target >= %.0fx: %s" % (
                             sub, big["subcharts"], big["helm"]["maxrss_kib"] / 1024,
                             big["chart"]["maxrss_kib"] / 1024, big["mem_ratio"], mm, 1 / TARGET_MEM_FRACTION,
                             "MET" if okm else "NOT MET"))
            for tool, gkey in (("helm", "growth"), ("chart", "growth"), ("helm", "cpu_growth"),
                               ("chart", "cpu_growth")):
                g = summary["umbrella"][sub][gkey][tool]
                label = "%s %s%s" % (sub, tool, " wall" if gkey == "growth" else " CPU")
                pts = " -> ".join("%d: %.1f ms" % (p["subcharts"], p["median_s"] * 1e3) for p in g["points"])
                if "steps" in g:
                    steps = ", ".join("%d->%d: x%.2f time for x%.2f size, %.2f ms/subchart" % (
                        s["from"], s["to"], s["time_factor"], s["size_factor"], s["ms_per_subchart"])
                        for s in g["steps"])
                    f = g["fit"]
                    lines.append("- %s growth: %s (%s); fit %.1f ms + %.2f ms/subchart, R^2 %.4f; %s" % (
                        label, pts, steps, f["intercept_ms"], f["ms_per_subchart"], f["r2"],
                        "linear" if g["linear"] else "NOT linear (marginal cost grows x%.2f)" % (
                            g["marginal_growth"] or 0)))
                else:
                    lines.append("- %s: %s" % (label, pts))
    lines.append("- load average: start %.2f/%.2f/%.2f, end %.2f/%.2f/%.2f on %d CPUs; %d runs per tool and workload" % (
        load_start + load_end + (os.cpu_count(), opts.runs)))

    print("## chart vs helm: `template`, whole process (median of %d runs)\n" % opts.runs)
    print(table(results))
    if "largest_table" in summary:
        print("\n### The %d largest corpus cases\n" % opts.largest)
        print(summary.pop("largest_table"))
    print("\n### Summary\n")
    print("\n".join(lines))

    if opts.json:
        doc = {"helm": helm, "chart": chart, "host": platform.node(), "python": platform.python_version(),
               "argv": sys.argv, "summary": summary, "results": results}
        with open(opts.json, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        log("wrote %s" % opts.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
