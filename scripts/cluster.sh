#!/usr/bin/env bash
# cluster.sh - a real kube-apiserver 1.20.2 (+ etcd) for the cluster tests.
#
#   scripts/cluster.sh start [DIR]   start it (state in DIR, default target/cluster) and print
#                                    `export CHART_TEST_KUBECONFIG=DIR/kubeconfig`
#   scripts/cluster.sh stop [DIR]    stop it
#
# Uses ../shared/tools/real-apiserver.sh (relative to the repository). The apiserver binary
# is built once into /var/cache/kube-apiserver-1.20.2; when another process is building it
# right now (its log in $KAS_BUILD_LOG), this waits for the binary instead of building twice.
# Ports: KAS_PORT (6443), ETCD_PORT (2379), ETCD_PEER_PORT (2380).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
tool=${REAL_APISERVER:-$repo/../shared/tools/real-apiserver.sh}
cache=${KUBE_APISERVER_CACHE:-/var/cache/kube-apiserver-1.20.2}
cmd=${1:-}
dir=${2:-$repo/target/cluster}

wait_for_binary() {
  [[ -x $cache/kube-apiserver ]] && return
  # Another build in progress? Its go compiler processes or a recent log show it.
  if pgrep -f 'make WHAT=cmd/kube-apiserver' >/dev/null 2>&1 || pgrep -f 'real-apiserver.sh build' >/dev/null 2>&1; then
    echo "waiting for the kube-apiserver build in progress..." >&2
    for _ in $(seq 1 180); do
      [[ -x $cache/kube-apiserver ]] && return
      sleep 5
    done
    echo "kube-apiserver build did not finish in 15 minutes" >&2
    exit 1
  fi
  bash "$tool" build >&2
}

case $cmd in
  start)
    if [[ -f $dir/kube-apiserver.pid ]] && kill -0 "$(cat "$dir/kube-apiserver.pid")" 2>/dev/null; then
      echo "export CHART_TEST_KUBECONFIG=$dir/kubeconfig"
      exit 0
    fi
    wait_for_binary
    mkdir -p "$dir"
    bash "$tool" start "$dir" >&2
    echo "export CHART_TEST_KUBECONFIG=$dir/kubeconfig"
    ;;
  stop)
    bash "$tool" stop "$dir"
    ;;
  *)
    echo "usage: $0 start|stop [DIR]" >&2
    exit 2
    ;;
esac
