#!/usr/bin/env bash
# Installs what Stevedore's build, tests and benchmarks use on a Debian 12 machine (run as root).
# Idempotent: apt is only asked when a package is missing.
set -euo pipefail

packages=(
  busybox-static   # the test image's only binary
  skopeo umoci oci-image-tool  # image interoperability checks
  crun runc        # reference runtimes for benchmarks and conformance
  docker-registry apache2-utils openssl  # a local registry (htpasswd, test certificates)
  iproute2 nftables  # networking tests look at links, addresses and rules
  musl-tools       # builds the small static helper
  uidmap           # newuidmap and newgidmap: rootless containers with subordinate ids
  gcc libc6-dev make
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}; run this script as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Debian registry package starts a service on install; tests start their own on free ports.
systemctl disable --now docker-registry >/dev/null 2>&1 || true
exit 0
