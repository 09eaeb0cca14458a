#!/usr/bin/env python3
"""bench-ab: two `chart` builds side by side on the same workloads (whole process, interleaved
runs, medians), with a check that both print the same output.

Usage: scripts/bench-ab.py BEFORE_BINARY AFTER_BINARY [RUNS]

Workloads: charts/shop; an umbrella of 100 aliased bitnami-apache instances made by
../shared/tools/make-umbrella.py (into a temporary directory); the corpus's
kube-prometheus-stack. Run from the repository root. Prints a Markdown table: median ms of
each build, the ratio before/after (above 1: the after build is faster), same output.
"""
import subprocess, time, statistics, sys, os, tempfile
if len(sys.argv) < 3:
    sys.exit(__doc__)
bins = {"before": sys.argv[1], "after": sys.argv[2]}
N = int(sys.argv[3]) if len(sys.argv) > 3 else 9
tmp = tempfile.mkdtemp()
subprocess.run([sys.executable, "../shared/tools/make-umbrella.py", "../shared/corpus/charts/bitnami-apache", "100",
                os.path.join(tmp, "apache100")], check=True, stdout=subprocess.DEVNULL)
print("| workload | before ms | after ms | before/after | same output |")
print("|---|---:|---:|---:|---|")
cases = {
 "shop": ["template","shop","charts/shop","--namespace","shop"],
 "apache-umbrella-100": ["template","u",os.path.join(tmp, "apache100")],
 "kube-prometheus-stack": ["template","rel","../shared/corpus/charts/kube-prometheus-stack","--namespace","corpus-ns","--set","grafana.adminPassword=corpus-admin"],
}
env=dict(os.environ, TZ="UTC", LC_ALL="C")
for name, args in cases.items():
    outs={}
    for b,p in bins.items():
        outs[b]=subprocess.run([p]+args,capture_output=True,env=env).stdout
    same = outs["before"]==outs["after"]
    t={"before":[], "after":[]}
    for i in range(N):
        order = ["before","after"] if i%2==0 else ["after","before"]
        for b in order:
            s=time.perf_counter(); subprocess.run([bins[b]]+args,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL,env=env); t[b].append(time.perf_counter()-s)
    mb=statistics.median(t["before"])*1000; ma=statistics.median(t["after"])*1000
    print(f"| {name} | {mb:.1f} | {ma:.1f} | {mb/ma:.2f} | {'yes' if same else 'NO'} |")
