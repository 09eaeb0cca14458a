#!/usr/bin/env bash
# Differential CLI goldens: run the real helm 3.17.3 over hundreds of command lines (every
# command, every flag form cobra/pflag accepts or rejects, help and usage, --debug, warnings
# before failures, --output-dir, small error messages) and record what it printed.
#
# Usage: scripts/record-cli-diff-goldens.sh          (from anywhere; runs in the repo root)
#        HELM=/path/to/helm scripts/record-cli-diff-goldens.sh
#        CASES="name1 name2" scripts/record-cli-diff-goldens.sh   (re-record only these)
#
# Layout, under testdata/cli-diff/ (as testdata/cli/):
#   NAME.args    the arguments, one per line (an empty line is an empty argument; <ROOT>/ = the repository)
#   NAME.out     helm's stdout
#   NAME.stderr  helm's stderr, only when not empty
#   NAME.rc      helm's exit status, only when not 0
#   NAME.env     VAR=value lines set for the run, only when the case sets some
#   NAME.outdir  only when an argument contains @OUTDIR@: the placeholder is replaced by a
#                fresh empty directory, and this file lists what helm left there
#                ("==> PATH <==" then the content, paths sorted)
#   @HUB@        in an argument: the URL of a static HTTP server over testdata/cli-diff/hub
#                (crates/chart-cli/tests/support/auth_tls_server.py on a free port), which
#                answers `search hub` with what Artifact Hub's Monocular-compatible search
#                API returns; the URL is written @HUB@ in the outputs too
#   NAME.mode    "help" when helm printed cobra's full help or usage (a line "Usage:"):
#                the test then compares the help's structure, not its prose (see below)
#
# Normalisations, applied here to helm's output and by the test to ours (nothing else is
# rewritten; crates/chart-cli/tests/cli_diff_goldens.rs documents the same list):
#   - the repository's absolute path is written <ROOT>, the scratch HELM_CONFIG_HOME /
#     HELM_CACHE_HOME parent <SCRATCH>, the @OUTDIR@ directory @OUTDIR@;
#   - Go's time.Now().String() in --debug lines ("2026-12-07 16:00:09.84 +0000 UTC m=+0.06")
#     is written <TIME>;
#   - the unix time in a --generate-name release name (NAME-1733587200) is <UNIXTIME>.
#   - helm -> chart: in stderr (and in stdout of help cases) the word `helm` used as the
#     program's name -- preceded by start of line, a space, ' or " and followed by a space,
#     ' or " -- reads `chart` (the test applies it to the golden). Chart content such as
#     helm.sh/chart or .helmignore is never touched.
# Each case is run twice; a case whose two runs differ (after the normalisations) stops the
# recorder, so no golden holds helm's nondeterminism (e.g. map order in `show crds` of
# subcharts, random names). Such inputs are left out of the case list instead.
set -euo pipefail

cd "$(dirname "$0")/.."
HELM=${HELM:-/work/helmbin/layer/helm/helm}
OUT=testdata/cli-diff
C=$OUT/charts
V=$OUT/values
A=$OUT/archives
mkdir -p "$OUT" "$A"
if [ -z "${CASES:-}" ]; then
  rm -f "$OUT"/*.args "$OUT"/*.out "$OUT"/*.stderr "$OUT"/*.rc "$OUT"/*.env "$OUT"/*.outdir "$OUT"/*.mode
fi

scratch=$(mktemp -d)
hub_pid=""
trap 'rm -rf "$scratch"; [ -z "$hub_pid" ] || kill "$hub_pid"' EXIT
# The hub server for `search hub` (a free port of the ephemeral range: 5 digits, as the
# test's, so that table columns are as wide).
hub_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 crates/chart-cli/tests/support/auth_tls_server.py "$OUT/hub" "$hub_port" > "$scratch/hub.log" &
hub_pid=$!
for _ in $(seq 50); do grep -q ready "$scratch/hub.log" 2>/dev/null && break; sleep 0.1; done
HUB=http://127.0.0.1:$hub_port
export HELM_CONFIG_HOME="$scratch/config" HELM_CACHE_HOME="$scratch/cache"
export HELM_DATA_HOME="$PWD/$OUT/home/data"
export KUBECONFIG="$scratch/kubeconfig" HELM_NAMESPACE="" HELM_DEBUG="" HELM_KUBECONTEXT=""
export LC_ALL=C TZ=UTC
unset HELM_DRIVER HELM_MAX_HISTORY HELM_PLUGINS HELM_REGISTRY_CONFIG HELM_REPOSITORY_CACHE \
  HELM_REPOSITORY_CONFIG HELM_KUBEAPISERVER HELM_KUBETOKEN HELM_KUBEASUSER HELM_KUBEASGROUPS \
  HELM_BURST_LIMIT HELM_QPS HELM_KUBECAFILE HELM_KUBEINSECURE_SKIP_TLS_VERIFY \
  HELM_KUBETLS_SERVER_NAME 2>/dev/null || true

# Archives the cases read; made once with fixed times and owners (a rebuild would be equal).
mktar() { # NAME DIR ENTRY...   a gzipped tar of ENTRY... taken in DIR
  local name=$1 dir=$2
  shift 2
  [ -f "$A/$name" ] && return
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$dir" -cf - "$@" |
    gzip -n > "$A/$name"
}
mktar no-chart-yaml.tgz "$C/deprecated-ok" templates values.yaml
mktar dot-slash.tgz "$C" ./deprecated-ok
mktar deprecated-ok-1.2.3.tgz "$C" deprecated-ok
[ -f "$A/short.tgz" ] || printf 'hello' > "$A/short.tgz"
[ -f "$A/text.tgz" ] || printf 'this archive is plain text, not gzip\n' > "$A/text.tgz"

norm() { # FILE...   the normalisations listed above
  sed -i -E \
    -e "s#$PWD/#<ROOT>/#g" -e "s#$scratch#<SCRATCH>#g" \
    -e 's#[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+ \+0000 UTC m=\+[0-9.]+#<TIME>#g' \
    -e 's#-1[0-9]{9}\b#-<UNIXTIME>#g' -e "s#$HUB#@HUB@#g" "$@"
}

# run1 DIR ARG...   runs helm once, writing DIR/{out,err,rc,outdir}
run1() {
  local dir=$1
  shift
  local args=() a outdir=""
  for a in "$@"; do
    if [[ $a == *@OUTDIR@* ]]; then
      outdir="$dir/o"
      rm -rf "$outdir"
      mkdir -p "$outdir"
      a=${a//@OUTDIR@/$outdir}
    fi
    a=${a//@HUB@/$HUB}
    args+=("$a")
  done
  local rc=0
  "$HELM" "${args[@]}" < /dev/null > "$dir/out" 2> "$dir/err" || rc=$?
  echo "$rc" > "$dir/rc"
  rm -f "$dir/outdir"
  if [ -n "$outdir" ]; then
    (cd "$outdir" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | while IFS= read -r f; do
      printf '==> %s <==\n' "$f"
      cat "$f"
    done) > "$dir/outdir"
    sed -i "s#$outdir#@OUTDIR@#g" "$dir/out" "$dir/err" "$dir/outdir"
    norm "$dir/outdir"
  fi
  norm "$dir/out" "$dir/err"
}

count=0
# rec EXPECT NAME ARG...   EXPECT: ok (exit 0 required), fail (non-zero required) or any.
rec() {
  local expect=$1 name=$2
  shift 2
  if [ -n "${CASES:-}" ]; then
    [[ " $CASES " == *" $name "* ]] || return 0
    rm -f "$OUT/$name".*
  fi
  [ ! -e "$OUT/$name.args" ] || { echo "duplicate case $name" >&2; exit 1; }
  mkdir -p "$scratch/r1" "$scratch/r2"
  run1 "$scratch/r1" "$@"
  run1 "$scratch/r2" "$@"
  local f
  for f in out err rc outdir; do
    [ -e "$scratch/r1/$f" ] || [ -e "$scratch/r2/$f" ] || continue
    if ! cmp -s "$scratch/r1/$f" "$scratch/r2/$f"; then
      echo "case $name: helm's $f differs between two runs; leave it out" >&2
      diff "$scratch/r1/$f" "$scratch/r2/$f" >&2 || true
      exit 1
    fi
  done
  # The repository's absolute path is written as <ROOT> (the test puts its own back).
  if [ $# -gt 0 ]; then printf "%s\n" "$@" | sed "s#$PWD/#<ROOT>/#g"; fi > "$OUT/$name.args"
  cp "$scratch/r1/out" "$OUT/$name.out"
  [ -s "$scratch/r1/err" ] && cp "$scratch/r1/err" "$OUT/$name.stderr"
  local rc
  rc=$(cat "$scratch/r1/rc")
  [ "$rc" -eq 0 ] || echo "$rc" > "$OUT/$name.rc"
  [ ! -e "$scratch/r1/outdir" ] || cp "$scratch/r1/outdir" "$OUT/$name.outdir"
  if grep -qx 'Usage:' "$scratch/r1/out" "$scratch/r1/err"; then echo help > "$OUT/$name.mode"; fi
  if [ -n "${CASE_ENV:-}" ]; then printf '%s\n' $CASE_ENV > "$OUT/$name.env"; fi
  if { [ "$expect" = ok ] && [ "$rc" -ne 0 ]; } || { [ "$expect" = fail ] && [ "$rc" -eq 0 ]; }; then
    echo "case $name: expected $expect, helm exited with $rc" >&2
    cat "$scratch/r1/err" >&2
    exit 1
  fi
  count=$((count + 1))
}

# recenv EXPECT NAME VAR=VALUE[,VAR=VALUE] ARG...
recenv() {
  local expect=$1 name=$2 vars=$3
  shift 3
  local -a kv
  IFS=, read -r -a kv <<< "$vars"
  ( for v in "${kv[@]}"; do export "${v?}"; done; CASE_ENV="${kv[*]}" rec "$expect" "$name" "$@" )
  count=$((count + 1))
}

B=testdata/charts/basic
OK=$C/deprecated-ok
FAIL=$C/deprecated-fail

## Class 2: help and usage.
rec any root
rec any help help
rec any help-help help help
rec any help-template help template
rec any help-show-values help show values
rec any help-bogus help bogus
rec any root-h -h
rec any root-help --help
rec any root-h-debug --debug -h
rec any bogus bogus
rec any bogus-flag bogus --foo
rec any root-unknown-flag --foo
rec any root-unknown-short -x
rec any root-only-namespace -n ns
rec any show show
rec any show-bogus show bogus
rec any show-bogus-chart show bogus $B
rec any get get
rec any get-bogus get bogus
rec any repo repo
rec any dependency dependency
rec any dep-alias dep
for cmd in completion create dependency env get help history install lint list package plugin pull \
  push registry repo rollback search show status template test uninstall upgrade verify version \
  "completion bash" "dependency build" "dependency list" "dependency update" "get all" \
  "get hooks" "get manifest" "get metadata" "get notes" "get values" "plugin list" \
  "registry login" "repo add" "repo index" "repo list" "repo remove" "repo update" \
  "search hub" "search repo" "show all" "show chart" "show crds" "show readme" "show values"; do
  # shellcheck disable=SC2086
  rec any "h-${cmd// /-}" $cmd -h
done
rec any h-long-template template --help
rec any h-alias-inspect inspect -h
rec any h-alias-fetch fetch -h
rec any h-alias-ls ls --help
rec any h-alias-un un -h
rec any h-after-args template $B -h
rec any h-with-unknown template --foo -h
# env: one variable at a time (the whole list holds HELM_BIN, helm's own path).
rec any repo-add-deprecated repo add old https://kubernetes-charts.storage.googleapis.com/
rec any repo-add-deprecated-inc repo add old http://kubernetes-charts-incubator.storage.googleapis.com
rec any env-two env a b
rec any env-unknown env NOPE
for v in HELM_CONFIG_HOME HELM_CACHE_HOME HELM_DATA_HOME HELM_PLUGINS HELM_REGISTRY_CONFIG \
  HELM_REPOSITORY_CACHE HELM_REPOSITORY_CONFIG HELM_NAMESPACE HELM_MAX_HISTORY HELM_BURST_LIMIT \
  HELM_QPS HELM_DEBUG HELM_KUBEASGROUPS HELM_KUBEINSECURE_SKIP_TLS_VERIFY KUBECONFIG; do
  rec any "env-${v}" env "$v"
done
rec any env-flags-namespace -n ns1 env HELM_NAMESPACE
rec any env-flags-debug --debug env HELM_DEBUG
rec any env-flags-burst --burst-limit 7 env HELM_BURST_LIMIT
rec any env-flags-qps --qps 2.5 env HELM_QPS
rec any env-flags-groups --kube-as-group g1 --kube-as-group g2 env HELM_KUBEASGROUPS
rec any env-flags-kubeconfig --kubeconfig /k env KUBECONFIG
recenv any env-env-groups HELM_KUBEASGROUPS=g0 env HELM_KUBEASGROUPS
rec any env-flags-repo-config --repository-config /x/r.yaml env HELM_REPOSITORY_CONFIG
recenv any env-env-history HELM_MAX_HISTORY=x env HELM_MAX_HISTORY
recenv any env-env-qps HELM_QPS=1.25 env HELM_QPS
recenv any env-env-insecure HELM_KUBEINSECURE_SKIP_TLS_VERIFY=1 env HELM_KUBEINSECURE_SKIP_TLS_VERIFY
recenv any env-env-plugins HELM_PLUGINS=/p env HELM_PLUGINS
rec any h-after-dashdash template -- -h

# Missing and extra arguments.
rec any args-template template
rec any args-template-three template a $B c
rec any args-show-chart show chart
rec any args-show-values show values
rec any args-show-all-two show all $B $B
rec any args-install install
rec any args-install-one install $B
rec any args-install-three install a $B c
rec any args-upgrade upgrade
rec any args-upgrade-one upgrade x
rec any args-create create
rec any args-create-two create a b
rec any args-package package
rec any args-pull pull
rec any args-history history
rec any args-status status
rec any args-status-two status a b
rec any args-get-values get values
rec any args-get-all get all
rec any args-get-manifest get manifest
rec any args-get-notes get notes
rec any args-get-hooks get hooks
rec any args-get-metadata get metadata
rec any args-rollback rollback
rec any args-uninstall uninstall
rec any args-test test
rec any args-repo-add repo add
rec any args-repo-add-one repo add x
rec any args-repo-remove repo remove
rec any args-repo-index repo index
rec any args-dep-build-two dependency build a b
rec any args-dep-list-two dependency list a b
rec any args-dep-update-two dependency update a b
rec any args-version-extra version extra
rec any args-list-extra list extra
rec any args-search search
rec any args-search-repo-two search repo a b
rec any args-lint-missing lint /no/such/chart

## Class 1: flags as cobra/pflag parse them.
# Booleans take an optional =value (Go's strconv.ParseBool); a separate word is an argument.
for f in include-crds skip-tests no-hooks is-upgrade skip-schema-validation enable-dns \
  dependency-update create-namespace atomic wait wait-for-jobs skip-crds render-subchart-notes \
  hide-notes replace force disable-openapi-validation take-ownership insecure-skip-tls-verify \
  plain-http pass-credentials release-name devel debug kube-insecure-skip-tls-verify; do
  rec any "bool-$f" template $OK "--$f"
  rec any "bool-$f-true" template $OK "--$f=true"
  rec any "bool-$f-false" template $OK "--$f=false"
done
for v in 1 t T TRUE True 0 f F FALSE False yes no "" on; do
  rec any "bool-include-crds-value-${v:-empty}" template testdata/template/crds/chart "--include-crds=$v"
done
rec any bool-separate-word template $OK --include-crds true
rec any bool-separate-word-name template x $OK --skip-tests false
rec any bool-short-g template -g $OK
rec any bool-short-g-false template -g=false x $OK
rec any bool-short-g-true template -g=true $OK
rec any bool-validate-false template $OK --validate=false
rec any bool-verify-false template $OK --verify=false
rec any bool-lint-strict-false lint $OK --strict=false
rec any bool-lint-strict-true lint $OK --strict=true
rec any bool-lint-quiet lint $OK --quiet=true
rec any bool-lint-quiet-bad lint $OK --quiet=maybe
rec any bool-lint-with-subcharts lint testdata/charts/parent --with-subcharts=false
rec any bool-show-devel show chart $OK --devel=false
rec any bool-version-short version --short=true
rec any bool-version-short-false version --short=false
rec any bool-twice template $OK --skip-tests --skip-tests=false
rec any bool-twice-true template $OK --is-upgrade=false --is-upgrade
rec any bool-debug-eq-false template $OK --debug=false
rec any bool-combined-shorts template -gn ns $OK
# A value flag given twice keeps the last.
rec any twice-namespace template $OK --namespace a --namespace b
rec any twice-namespace-short template $OK -n a -n b
rec any twice-namespace-mixed template $OK --namespace=a -nb
rec any twice-kube-version template $OK --kube-version 1.20.0 --kube-version 1.25.3
rec any twice-name-template template $OK --name-template one --name-template two
rec any twice-description template $OK --description a --description b
rec any twice-timeout template $OK --timeout 1m --timeout 2m
rec any twice-version show chart $OK --version 1 --version 2
rec any twice-output-dir template $OK --output-dir /no/such --output-dir @OUTDIR@
rec any twice-jsonpath show values $OK --jsonpath '{.nope}' --jsonpath '{.scalar}'
rec any twice-version-template version --template x --template '{{.Version}}'
# Short flags with attached values.
rec any short-attached template $OK -nattached
rec any short-equals template $OK -n=eq
rec any short-f-attached template $OK -f$V/a.yaml
rec any short-f-equals template $OK -f=$V/a.yaml
rec any short-s-attached template $OK -stemplates/cm.yaml
# String slices split on commas; string arrays do not.
rec any slice-f-comma template $OK -f $V/a.yaml,$V/b.yaml
rec any slice-f-comma-reverse template $OK --values=$V/b.yaml,$V/a.yaml
rec any slice-f-repeat template $OK -f $V/a.yaml -f $V/b.yaml
rec any slice-f-comma-missing template $OK -f $V/a.yaml,/no/such.yaml
rec any slice-f-trailing-comma template $OK -f $V/a.yaml,
rec any slice-api-versions template testdata/template/caps/chart -a v1,apps/v1 -a batch/v1
rec any slice-lint-f lint $OK -f $V/a.yaml,$V/b.yaml
rec any array-set-comma template $OK --set scalar=1,table.x=2
rec any array-show-only-comma template $OK -s templates/cm.yaml,templates/NOTES.txt
rec any array-labels template $OK -l a=b,c=d
rec any array-labels-bad template $OK -l bad
rec any array-labels-twice template $OK -l a=b -l c=d
# A flag that takes a value takes the next word, even one starting with '-'.
rec any swallow-set template $OK --set --namespace
rec any swallow-set-short template $OK --set -n
rec any swallow-namespace template $OK -n --foo
rec any swallow-namespace-long template $OK --namespace --debug
rec any swallow-kube-version template $OK --kube-version --debug
rec any swallow-description template $OK --description --foo
rec any swallow-name-template template $OK --name-template -x
rec any swallow-api-versions template testdata/template/caps/chart -a --x
rec any swallow-f template $OK -f --values
rec any swallow-version-template version --template --short
rec any swallow-show-version show chart $OK --version --devel
rec any swallow-jsonpath show values $OK --jsonpath -x
rec any swallow-dash template $OK --set -
# A value flag with nothing after it.
rec any novalue-set template $OK --set
rec any novalue-namespace template $OK -n
rec any novalue-namespace-long template $OK --namespace
rec any novalue-values template $OK -f
rec any novalue-version-template version --template
rec any novalue-jsonpath show values $OK --jsonpath
rec any novalue-starter create x --starter
# Unknown flags.
rec any unknown-long template $OK --foo
rec any unknown-long-value template $OK --foo=bar
rec any unknown-short template $OK -x
rec any unknown-short-cluster template $OK -gx
rec any unknown-case template $OK --Include-crds
rec any unknown-triple template $OK ---foo
rec any unknown-before-cmd --foo template $OK
rec any unknown-version version --foo
rec any unknown-show show chart $OK --foo
rec any unknown-lint lint $OK --foo
rec any unknown-create create x --foo
rec any unknown-install install x $OK --foo
rec any unknown-upgrade upgrade x $OK --foo
rec any unknown-list list --foo
rec any unknown-status status x --foo
rec any unknown-history history x --foo
rec any unknown-get-values get values x --foo
rec any unknown-uninstall uninstall x --foo
rec any unknown-rollback rollback x --foo
rec any unknown-package package $OK --foo
rec any unknown-repo-add repo add x y --foo
rec any unknown-repo-list repo list --foo
rec any unknown-search search repo x --foo
rec any unknown-pull pull x --foo
rec any unknown-dep-build dependency build $OK --foo
rec any unknown-test test x --foo
rec any unknown-and-missing-args template --foo
rec any unknown-after-dashdash template $OK -- --foo
rec any dashdash-chart template -- $OK
rec any dash-alone template -
rec any unknown-show-subcommand-flag show --foo
# template accepts install's flags and every global flag.
rec any tpl-atomic template $OK --atomic
rec any tpl-wait template $OK --wait --wait-for-jobs
rec any tpl-timeout template $OK --timeout 30s
rec any tpl-timeout-bad template $OK --timeout bogus
rec any tpl-timeout-number template $OK --timeout 10
rec any tpl-skip-crds template testdata/template/crds/chart --skip-crds
rec any tpl-skip-crds-include template testdata/template/crds/chart --skip-crds --include-crds
rec any tpl-render-subchart-notes template $OK --render-subchart-notes
rec any tpl-description template $OK --description hello
rec any tpl-devel template $OK --devel
rec any tpl-labels template $OK -l team=a
rec any tpl-labels-long template $OK --labels team=a,env=b
rec any tpl-hide-notes template $OK --hide-notes
rec any tpl-replace template $OK --replace
rec any tpl-force template $OK --force
rec any tpl-disable-openapi template $OK --disable-openapi-validation
rec any tpl-take-ownership template $OK --take-ownership
rec any tpl-insecure template $OK --insecure-skip-tls-verify
rec any tpl-plain-http template $OK --plain-http
rec any tpl-username template $OK --username u --password p
rec any tpl-ca-file template $OK --ca-file /no/ca --cert-file /no/cert --key-file /no/key
rec any tpl-keyring template $OK --keyring /no/keyring
# helm builds its registry client (loading these TLS files) before anything else.
rec any tls-show-ca show chart $OK --ca-file /no/ca
rec any tls-install-ca install x $OK --ca-file /no/ca
rec any tls-upgrade-ca upgrade x $OK --ca-file /no/ca
rec any tls-pull-cert pull x --cert-file /no/cert --key-file /no/key
rec any tls-template-cert-only template $OK --cert-file /no/cert
rec any tls-template-key-missing template $OK --cert-file $OK/values.yaml --key-file /no/key
rec any tls-template-ca-not-pem template $OK --ca-file $OK/values.yaml
rec any tls-template-cert-not-pem template $OK --cert-file $OK/values.yaml --key-file $OK/values.yaml
rec any tpl-pass-credentials template $OK --pass-credentials
rec any tpl-create-namespace template $OK --create-namespace
rec any tpl-dependency-update template $OK --dependency-update
rec any tpl-version template $OK --version 9.9.9
rec any tpl-dry-run template $OK --dry-run
rec any tpl-dry-run-client template $OK --dry-run=client
rec any tpl-dry-run-true template $OK --dry-run=true
rec any tpl-dry-run-false template $OK --dry-run=false
rec any tpl-dry-run-none template $OK --dry-run=none
rec any tpl-dry-run-bogus template $OK --dry-run=bogus
rec any tpl-dry-run-empty template $OK --dry-run=
rec any tpl-dry-run-space template $OK --dry-run client
rec any tpl-post-renderer-args template $OK --post-renderer cat --post-renderer-args -u
rec any tpl-post-renderer-args-only template $OK --post-renderer-args x
rec any glob-burst-limit template $OK --burst-limit 5
rec any glob-burst-limit-bad template $OK --burst-limit x
rec any glob-burst-limit-negative template $OK --burst-limit -1
rec any glob-qps template $OK --qps 2.5
rec any glob-qps-bad template $OK --qps fast
rec any glob-kube-apiserver template $OK --kube-apiserver http://127.0.0.1:1
rec any glob-kube-as-user template $OK --kube-as-user u --kube-as-group g1 --kube-as-group g2
rec any glob-kube-token template $OK --kube-token t
rec any glob-kube-ca-file template $OK --kube-ca-file /no/ca
rec any glob-kube-tls-server-name template $OK --kube-tls-server-name x
rec any glob-kube-context template $OK --kube-context nope
rec any glob-kubeconfig template $OK --kubeconfig /no/kubeconfig
rec any glob-registry-config template $OK --registry-config /no/registry.json
rec any glob-repository-cache template $OK --repository-cache /no/cache
rec any glob-repository-config template $OK --repository-config /no/repos.yaml
rec any glob-before-command --namespace before template $OK
rec any glob-short-before-command -n before template $OK
rec any glob-debug-before-command --debug=false template $OK
rec any glob-on-version version --namespace x --kube-context y
rec any glob-on-show show chart $OK -n x
rec any version-c version -c
rec any version-client version --client
rec any version-c-short version -c --short
rec any version-c-false version --client=false
rec any version-template-short version --template '{{.GitTreeState}}' --short
# Empty values mean what they mean to helm.
rec any empty-kube-version template $OK --kube-version ""
rec any empty-kube-version-eq template $OK --kube-version=
rec any empty-name-template template $OK --name-template ""
rec any empty-name-template-eq template $OK --name-template=
rec any empty-post-renderer template $OK --post-renderer ""
rec any empty-namespace template $OK -n ""
rec any empty-namespace-eq template $OK --namespace=
rec any empty-output-dir template $OK --output-dir=
rec any empty-output-dir-space template $OK --output-dir ""
rec any empty-description template $OK --description ""
rec any empty-version template $OK --version ""
rec any empty-set template $OK --set ""
rec any empty-values template $OK -f ""
rec any empty-show-only template $OK -s ""
rec any empty-api-versions template testdata/template/caps/chart -a ""
rec any empty-jsonpath show values $OK --jsonpath ""
rec any empty-version-template version --template=
rec any empty-chart-arg template ""
rec any empty-name-arg template "" $OK
rec any empty-starter create @OUTDIR@/emptystarter --starter ""
rec any empty-kube-context template $OK --kube-context ""
rec any empty-lint-kube-version lint $OK --kube-version ""
# --generate-name and --name-template with and without a NAME.
rec any gen-name-with-name template -g x $OK
rec any gen-name-long-with-name template --generate-name x $OK
rec any gen-name-only template -g $OK
rec any gen-name-template-with-name template --name-template foo x $OK
rec any gen-name-template template --name-template 'n-{{ "x" | upper }}' $OK
rec any gen-name-template-bad template --name-template '{{ .Nope.X }}' $OK
rec any gen-name-template-parse template --name-template '{{' $OK
rec any gen-name-and-template template -g --name-template fixed $OK
rec any install-gen-name-with-name install -g x $OK
rec any install-name-template-with-name install --name-template foo x $OK
rec any install-one-arg install $OK
# Flag values checked before anything runs.
rec any install-timeout-bad install x $OK --timeout bogus
rec any install-dry-run-bogus install x $OK --dry-run=bogus
rec any install-output-bogus install x $OK -o bogus
rec any install-labels-bad install x $OK -l bad
rec any upgrade-timeout-bad upgrade x $OK --timeout 5
rec any upgrade-history-max-bad upgrade x $OK --history-max many
rec any list-max-bad list --max x
rec any list-output-bogus list -o bogus
rec any history-max-bad history x --max x
rec any status-revision-bad status x --revision x
rec any status-output-bogus status x -o bogus
rec any get-values-output-bogus get values x -o bogus
rec any rollback-timeout-bad rollback x 1 --timeout x
rec any uninstall-timeout-bad uninstall x --timeout x
rec any repo-list-output-bogus repo list -o bogus
rec any search-output-bogus search repo x -o bogus
rec any repo-list-empty repo list
rec any search-repo-empty search repo x

## Class 3: --debug and HELM_DEBUG.
rec any debug-template template $OK --debug
rec any debug-template-version template $OK --debug --version 1.2.3
rec any debug-template-fail template $FAIL --debug
# One template only: with several, helm prints the rendered files in Go's map order.
rec any debug-invalid-yaml template $C/bad-yaml --debug
rec any debug-lint lint $OK --debug
rec any debug-show show chart $OK --debug
rec any debug-version version --debug
rec any debug-output-dir template $OK --debug --output-dir @OUTDIR@
recenv any debug-env-true HELM_DEBUG=true template $OK
recenv any debug-env-1 HELM_DEBUG=1 template $OK
recenv any debug-env-flag-false HELM_DEBUG=true template $OK --debug=false
recenv any debug-env-invalid-yaml HELM_DEBUG=true template $C/bad-yaml
rec any nodebug-invalid-yaml template $C/bad-yaml

## Class 4: warnings before a failure, in helm's order.
rec any warn-deprecated-fail template $FAIL
rec any warn-deprecated-fail-set template $FAIL --set must=x
rec any warn-deprecated-ok template $OK
rec any warn-deprecated-coalesce template $OK -f $V/conflict.yaml
rec any warn-deprecated-coalesce-fail template $FAIL -f $V/conflict.yaml
rec any warn-coalesce-set-table template $OK --set table=x
rec any warn-deprecated-lint lint $FAIL
rec any warn-deprecated-bad-set template $FAIL --set 'a[=1'
rec any warn-deprecated-bad-kube template $FAIL --kube-version nope
rec any warn-deprecated-install install x $FAIL --dry-run
rec any warn-deprecated-install-ok install x $OK --dry-run
rec any warn-deprecated-output-dir template $FAIL --output-dir @OUTDIR@
rec any warn-deprecated-show show chart $FAIL

## Class 6: --output-dir.
rec any outdir-crds template testdata/template/crds/chart --output-dir @OUTDIR@
rec any outdir-crds-include template testdata/template/crds/chart --include-crds --output-dir @OUTDIR@
rec any outdir-crds-release-name template rel testdata/template/crds/chart --release-name --output-dir @OUTDIR@
rec any outdir-crds-include-release-name template rel testdata/template/crds/chart --include-crds --release-name --output-dir=@OUTDIR@
rec any outdir-show-only-missing template $OK --show-only templates/missing.yaml --output-dir @OUTDIR@
rec any outdir-show-only template $OK --show-only templates/cm.yaml --output-dir @OUTDIR@
rec any outdir-is-file template $OK --output-dir $C/plain-file.txt
rec any outdir-nested template $OK --output-dir @OUTDIR@/a/b
rec any outdir-tests template $OK --output-dir @OUTDIR@ --skip-tests
rec any outdir-hooks template testdata/template/hooks/chart --output-dir @OUTDIR@
rec any outdir-subcharts template testdata/template/subcharts/chart --output-dir @OUTDIR@
rec any outdir-post-renderer template $OK --post-renderer cat --output-dir @OUTDIR@

## Class 7: smaller messages.
for t in short text no-chart-yaml dot-slash; do
  rec any "arch-$t-show" show chart "$A/$t.tgz"
  rec any "arch-$t-template" template "$A/$t.tgz"
  rec any "arch-$t-lint" lint "$A/$t.tgz"
done
rec any postrender-missing template $OK --post-renderer /no/such/renderer
rec any postrender-missing-name template $OK --post-renderer no-such-renderer-xyz
rec any postrender-cat template $OK --post-renderer cat
rec any postrender-fails template $OK --post-renderer false
rec any postrender-dir template $OK --post-renderer /tmp
for jp in '{.a' '{.a[}' '{.a[1:2:3:4]}' '{range .x}' '{end}' '{.a.b[?(@.x)]}' '{.a[abc]}' \
  '{@}' '{..}' '{.}' '{=}' '{"unterminated}' "{'x'}" '{.scalar' '}{' '{.table.*}{{'; do
  n=$(printf '%s' "$jp" | md5sum | cut -c1-8)
  rec any "jsonpath-err-$n" show values $OK --jsonpath "$jp"
done
rec any ref-oci template oci://127.0.0.1:1/charts/x
rec any ref-oci-show show chart oci://127.0.0.1:1/charts/x --version 1.0.0
rec any ref-http template http://127.0.0.1:1/x.tgz
rec any ref-http-show show chart http://127.0.0.1:1/x.tgz
rec any ref-https-install install x https://127.0.0.1:1/x.tgz
rec any ref-repo-name template nosuchrepo/x
rec any ref-bare-name template nosuch
rec any ref-file-url template file:///no/such.tgz
rec any ref-http-pull pull http://127.0.0.1:1/x.tgz
rec any ref-localhost-show show readme http://localhost:1/x.tgz
rec any ref-oci-pull pull oci://127.0.0.1:1/charts/x --version 1.0.0
rec any ref-oci-install install x oci://127.0.0.1:1/charts/x --version 1.0.0
rec any ref-file-url-show show chart file:///no/such.tgz
rec any ref-host-only template http://127.0.0.1:1
# search hub against the hub server (and a few endpoints that fail before or during the request).
rec any hub-basic search hub apache --endpoint @HUB@
rec any hub-no-keyword search hub --endpoint @HUB@
rec any hub-two-words search hub a 'b&c' --endpoint=@HUB@
rec any hub-list-repo-url search hub x --endpoint @HUB@ --list-repo-url
rec any hub-max-col-width search hub x --endpoint @HUB@ --max-col-width 20
rec any hub-max-col-width-0 search hub x --endpoint @HUB@ --max-col-width 0
rec any hub-max-col-width-wide search hub x --endpoint @HUB@ --max-col-width 200 --list-repo-url
rec any hub-json search hub x --endpoint @HUB@ -o json
rec any hub-json-repo search hub x --endpoint @HUB@ -o json --list-repo-url
rec any hub-yaml search hub x --endpoint @HUB@ --output yaml
rec any hub-empty search hub x --endpoint @HUB@/empty
rec any hub-empty-fail search hub x --endpoint @HUB@/empty --fail-on-no-result
rec any hub-empty-json search hub x --endpoint @HUB@/empty -o json
rec any hub-empty-yaml search hub x --endpoint @HUB@/empty -o yaml
rec any hub-empty-json-fail search hub x --endpoint @HUB@/empty -o json --fail-on-no-result
rec any hub-found-fail search hub x --endpoint @HUB@ --fail-on-no-result
rec any hub-null search hub x --endpoint @HUB@/null
rec any hub-bad-json search hub x --endpoint @HUB@/bad
rec any hub-odd search hub x --endpoint @HUB@/odd
rec any hub-odd-json search hub x --endpoint @HUB@/odd -o json
rec any hub-dotdot search hub x --endpoint @HUB@/sub/../empty/
rec any hub-404 search hub x --endpoint @HUB@/missing
rec any hub-404-debug search hub x --endpoint @HUB@/missing --debug
rec any hub-refused search hub x --endpoint http://127.0.0.1:1
rec any hub-no-host search hub x --endpoint foo
rec any hub-no-scheme search hub x --endpoint :x
rec any hub-colon-path search hub x --endpoint 127.0.0.1:1
rec any hub-bad-escape search hub x --endpoint 'http://%zz'
rec any hub-empty-endpoint search hub x --endpoint ""
rec any hub-output-bogus search hub x -o bogus
rec any hub-max-col-bad search hub x --max-col-width -1
rec any hub-max-col-hex search hub x --endpoint @HUB@ --max-col-width 0x10
rec any hub-max-col-huge search hub x --max-col-width 99999999999999999999
rec any search-repo-max-col-bad search repo x --max-col-width=-1
rec any hub-unknown-flag search hub --foo
# Without a kubeconfig, client-go falls back to http://localhost:8080 (nothing listens).
rec any kube-refused list --kube-apiserver http://127.0.0.1:1
rec any kube-fallback-list list
rec any kube-fallback-status status x
rec any kube-fallback-install install x $OK
rec any kube-fallback-install-values install x $OK -f /no/such/values.yaml
rec any kube-context-install install x $OK --dry-run --kube-context nope

## Class 8: create --starter, jsonpath range.
rec any starter-named create @OUTDIR@/mine --starter mystarter
rec any starter-named-short create @OUTDIR@/mine -p mystarter
rec any starter-named-eq create @OUTDIR@/mine --starter=mystarter
rec any starter-abs create @OUTDIR@/other --starter "$PWD/$OUT/starters/abs-starter"
rec any starter-missing create @OUTDIR@/none --starter nosuchstarter
rec any starter-missing-abs create @OUTDIR@/none --starter /no/such/starter
rec any starter-relative create @OUTDIR@/rel --starter "$OUT/starters/abs-starter"
rec any create-plain create @OUTDIR@/plain
rec any create-existing-file create $C/plain-file.txt
for jp in '{range .table}{@}{"\n"}{end}' '{range .list[*]}[{.name}]{end}' \
  '{range .list[*]}{.name}={.value}{"\n"}{end}' '{range .list[*]}{range .tags[*]}<{@}>{end};{end}' \
  '{range .missing[*]}x{end}' '{range .list[*]}{.name}' '{range .list[0:1]}{.name}{end}' \
  '{range .list[*]}{.name}{end}{.scalar}' '{range .list[*]}{end}' '{range .scalar}{@}{end}'; do
  n=$(printf '%s' "$jp" | md5sum | cut -c1-8)
  rec any "jsonpath-range-$n" show values $C/jsonpath --jsonpath "$jp"
done

# Filters, unions and recursive descent (client-go's jsonpath as helm uses it). Recursive
# descent only below a list of maps: over a map's keys Go's order is random.
for jp in '{.list[?(@.name=="b")].value}' "{.list[?(@.name!='a')].name}" '{.list[?(@.value==1.0)].name}' \
  '{.list[?(@.value==1)].name}' '{.list[?(@.value==true)].name}' '{.list[?(@.tags[0]=="z")].name}' \
  '{.list[?(@.tags[0])].name}' '{.list[?(@.value)].name}' '{.list[?(@.nope)].name}' \
  '{.list[?(@.name>"a")].name}' '{.list[?(@.name<="b")].name}' '{.list[?(@.name>="b")].tags[*]}' \
  '{.list[?(@.name == "c")].tags}' '{.table[?(@.only)]}' '{.list[?(@.name=="a")]}' \
  '{range .list[?(@.name!="b")]}{.name}:{.tags[*]};{end}' '{.list[?(@.name=="x)")].name}' \
  '{.list[?(@.name=="a"]}' '{.list[?(@.name)x]}' '{.list[?(@.value!=null)].name}' '{.list[?()].name}' \
  '{.list[?(@.name=)].name}' '{.list[0,2].name}' "{.list[*]['name','value']}" '{.list..name}' \
  '{.table..only}' '{.list[-1:].tags}' '{.list[*].tags[0,1]}' '{.list[1:].name}{"|"}{.scalar}'; do
  n=$(printf '%s' "$jp" | md5sum | cut -c1-8)
  rec any "jsonpath-filter-$n" show values $C/jsonpath --jsonpath "$jp"
done

## Class 9: plugins (testdata/cli-diff/plugins, shell-script plugins) and completion.
# HELM_PLUGINS is relative: helm and the test both run in the repository root. No case
# installs into a directory of the repository (installs are in tests/plugin.rs).
P=HELM_PLUGINS=testdata/cli-diff/plugins
PS=testdata/cli-diff/plugin-src
for cmd in "completion zsh" "completion fish" "completion powershell" "plugin install" \
  "plugin uninstall" "plugin update"; do
  # shellcheck disable=SC2086
  rec any "h-${cmd// /-}" $cmd -h
done
rec any completion-bare completion
rec any completion-bash-extra completion bash extra
rec any completion-zsh-extra completion zsh a b
recenv any plugin-list $P plugin list
recenv any plugin-ls $P plugin ls
recenv any plugin-list-extra $P plugin list extra
recenv any plugin-list-debug $P plugin list --debug
recenv any plugin-list-empty HELM_PLUGINS=testdata/cli-diff/no-such-dir plugin list
recenv any plugin-list-bad HELM_PLUGINS=testdata/cli-diff/plugins-bad plugin list
recenv any plugin-list-dup HELM_PLUGINS=testdata/cli-diff/plugins-dup plugin list
recenv any plugin-bad-other-command HELM_PLUGINS=testdata/cli-diff/plugins-bad env HELM_NAMESPACE
recenv any plugin-two-dirs HELM_PLUGINS=testdata/cli-diff/plugins:testdata/cli-diff/plugins-dup/a plugin list
recenv any plugin-root-h $P -h
recenv any plugin-root-help $P help
recenv any plugin-help-echo $P help echo
recenv any plugin-help-nousage $P help zz-nousage
recenv any plugin-no-plugins $P,HELM_NO_PLUGINS=1 echo x
recenv any plugin-run-echo $P echo a "b c" ""
recenv any plugin-run-flags $P echo --debug x -n ns --kube-context=ctx --qps 3 --foo -- y
recenv any plugin-run-flags-before $P --debug -n before --kube-as-group g1 echo --kube-as-group=g2 z
recenv any plugin-run-flags-more $P echo -nattached --kubeconfig /k --registry-config /r --repository-cache /c --repository-config /rc --kube-apiserver https://a --kube-token t --kube-as-user u --kube-ca-file /ca --kube-tls-server-name n --burst-limit 7
recenv any plugin-run-insecure $P echo --kube-insecure-skip-tls-verify word
recenv any plugin-run-insecure-bad $P echo --kube-insecure-skip-tls-verify=maybe
recenv any plugin-run-missing-value $P echo -n
recenv any plugin-run-h $P echo -h
recenv any plugin-run-env $P,HELM_NAMESPACE=from-env,HELM_DEBUG=1,HELM_KUBECONTEXT=kc echo
recenv any plugin-run-fail $P fail
recenv any plugin-run-fail-4 $P fail 4
recenv any plugin-run-fail-debug $P --debug fail 0
recenv any plugin-run-fixed $P fixed a --debug b
recenv any plugin-run-platform $P platform x
recenv any plugin-run-nocmd $P nocmd
recenv any plugin-run-nousage $P zz-nousage q
recenv any plugin-builtin-wins $P env HELM_PLUGINS
recenv any plugin-debug-root-notes $P --debug bogus
recenv any plugin-install-noargs $P plugin install
recenv any plugin-install-two $P plugin install a b
recenv any plugin-install-exists $P plugin install testdata/cli-diff/plugins/echo
recenv any plugin-install-file $P plugin install $PS/bad-field/plugin.yaml
recenv any plugin-install-not-plugin $P plugin install $PS/not-a-plugin
recenv any plugin-install-no-vcs $P plugin install testdata/cli-diff/no-such-plugin
recenv any plugin-install-add-alias $P plugin add testdata/cli-diff/plugins/echo --version 1.0.0
recenv any plugin-uninstall-noargs $P plugin uninstall
recenv any plugin-uninstall-missing $P plugin rm nope other
recenv any plugin-update-noargs $P plugin up
recenv any plugin-update-local $P plugin update echo nope
recenv any plugin-update-debug $P plugin update fixed --debug
recenv any dl-template $P template fake://host/deprecated-ok-1.2.3.tgz
recenv any dl-show $P show chart fake2://host/deprecated-ok-1.2.3.tgz
recenv any dl-pull $P pull fake://host/deprecated-ok-1.2.3.tgz -d @OUTDIR@ --username u --password p
recenv any dl-values $P template $OK -f fake2://h/values.yaml -s templates/cm.yaml
recenv any dl-missing $P template fake://h/missing.tgz
recenv any dl-unknown-scheme $P pull nope://h/x.tgz

echo "recorded $count cases in $OUT"
