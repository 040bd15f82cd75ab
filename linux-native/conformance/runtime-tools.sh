#!/bin/bash
# OCI runtime-tools validation suite against one or more runc-compatible runtimes.
#
#   bash linux-native/conformance/runtime-tools.sh [--hugetlb-v1] [RUNTIME...]
#
# RUNTIME defaults to the launcher the build writes, linux-native/target/stevedore-runc; give
# several (e.g. "crun runc linux-native/target/stevedore-runc") to compare them in one run.
# Needs root and a Debian 12 machine whose only network is the Debian archive.
#
# The validation programs (validation/*/) and runtimetest (cmd/runtimetest) are built offline in
# GOPATH mode against Debian's golang-*-dev packages: the runtime-tools library packages (generate,
# specerror, cgroups...) come from golang-github-opencontainers-runtime-tools-dev, which does NOT ship
# validation/ and cmd/. Those come from the Debian source package when `apt-get source` can fetch it,
# otherwise from RUNTIME_TOOLS_SRC, a directory holding validation/, cmd/runtimetest/ and tap-go
# (RUNTIME_TOOLS_SRC/vendor/github.com/mndrix/tap-go, or TAP_GO_SRC).
#
# Env: TESTS="create kill ..." runs only those; TIMEOUT (s, per program, default 300); VERBOSE=1
# prints the TAP output of failures. A program passes when it exits 0 and prints no "not ok".
# Output: one "PASS|FAIL runtime test" line per program, then per runtime "N passed, M failed".
#
# --hugetlb-v1 is for a hybrid host whose cgroup2 mount (/sys/fs/cgroup/unified) holds hugetlb, which
# crun refuses and where the hugetlb programs (they look for a v1 hugetlb hierarchy) cannot pass: the
# programs then run in a private mount namespace where the cgroup2 mount is gone and hugetlb is a v1
# hierarchy at /sys/fs/cgroup/hugetlb. The host's mounts stay as they are, but the controller itself
# moves for the duration of the programs (after the builds), so software using hugetlb on cgroup2
# meanwhile fails: the host's empty child cgroups of the v2 root are removed and hugetlb disabled for
# its children first, and the exit trap gives the controller back and enables it again.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
hugetlb_v1=
if [ "${1:-}" = --hugetlb-v1 ]; then hugetlb_v1=1; shift; fi
runtimes=("$@")
[ ${#runtimes[@]} -eq 0 ] && runtimes=("$here/../target/stevedore-runc")
timeout_s=${TIMEOUT:-300}

[ "$(id -u)" = 0 ] || { echo "runtime-tools.sh: run as root (containers are created)" >&2; exit 2; }

packages=(golang-go golang-github-opencontainers-runtime-tools-dev golang-github-google-uuid-dev
  golang-github-mrunalp-fileutils-dev golang-github-hashicorp-go-multierror-dev golang-github-sirupsen-logrus-dev
  golang-github-urfave-cli-dev golang-gocapability-dev golang-golang-x-sys-dev busybox-static)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/runtime-tools.XXXXXX)
trap 'rm -rf "$work"' EXIT
gopath=$work/gopath
rt=$gopath/src/github.com/opencontainers/runtime-tools
mkdir -p "$gopath/src/github.com/opencontainers" "$gopath/src/github.com/mndrix"
cp -r /usr/share/gocode/src/github.com/opencontainers/runtime-tools "$rt"

src=${RUNTIME_TOOLS_SRC:-}
if [ -z "$src" ]; then
  if (cd "$work" && apt-get source -q golang-github-opencontainers-runtime-tools >/dev/null 2>&1); then
    src=$(find "$work" -maxdepth 1 -type d -name 'golang-github-opencontainers-runtime-tools-*' | head -1)
  else
    echo "runtime-tools.sh: Debian's runtime-tools -dev package has no validation/ or cmd/runtimetest, and" \
      "'apt-get source golang-github-opencontainers-runtime-tools' failed (no deb-src line, or the archive" \
      "lacks the source). Set RUNTIME_TOOLS_SRC to a runtime-tools source tree." >&2
    exit 2
  fi
fi
[ -d "$src/validation" ] && [ -d "$src/cmd/runtimetest" ] \
  || { echo "runtime-tools.sh: '$src' has no validation/ and cmd/runtimetest/" >&2; exit 2; }
tap=${TAP_GO_SRC:-$src/vendor/github.com/mndrix/tap-go}
[ -d "$tap" ] || { echo "runtime-tools.sh: no tap-go sources at '$tap' (set TAP_GO_SRC)" >&2; exit 2; }
rm -rf "$rt/validation" "$rt/cmd"
cp -r "$src/validation" "$rt/validation"
mkdir -p "$rt/cmd" && cp -r "$src/cmd/runtimetest" "$rt/cmd/runtimetest"
cp -r "$tap" "$gopath/src/github.com/mndrix/tap-go"

bin=$work/bin
mkdir -p "$bin"
export GOPATH=$gopath:/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE=$work/cache CGO_ENABLED=0
(cd "$rt" && go build -o "$bin/runtimetest" ./cmd/runtimetest)
tests=()
for dir in "$rt"/validation/*/; do
  name=$(basename "$dir")
  [ "$name" = util ] && continue
  ls "$dir"/*.go >/dev/null 2>&1 || continue
  if [ -n "${TESTS:-}" ] && ! [[ " $TESTS " == *" $name "* ]]; then continue; fi
  if (cd "$rt" && go build -o "$bin/$name" "./validation/$name") 2>"$work/build-$name.log"; then
    tests+=("$name")
  else
    echo "runtime-tools.sh: cannot build validation/$name:" >&2
    cat "$work/build-$name.log" >&2
    exit 2
  fi
done

# The bundle rootfs the programs unpack (rootfs-$GOARCH.tar.gz in their working directory):
# Debian's static busybox with every applet linked.
rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/tmp" "$rootfs/root"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$rootfs/etc/passwd"
echo 'root:x:0:' > "$rootfs/etc/group"
tar -C "$rootfs" -czf "$bin/rootfs-$(go env GOARCH).tar.gz" .

for runtime in "${runtimes[@]}"; do
  path=$(command -v "$runtime" || true)
  [ -n "$path" ] || { echo "runtime-tools.sh: runtime '$runtime' not found" >&2; exit 2; }
done

# One line per program in $work/results, so that the runs can happen in another mount namespace.
run_programs() {
  local runtime path t out status
  for runtime in "${runtimes[@]}"; do
    path=$(command -v "$runtime")
    [[ $path == /* ]] || path=$PWD/$path
    for t in "${tests[@]}"; do
      out=$work/out-$t.txt
      status=0
      (cd "$bin" && RUNTIME=$path timeout "$timeout_s" "./$t") >"$out" 2>&1 || status=$?
      if [ $status -eq 0 ] && ! grep -q '^not ok' "$out"; then
        echo "PASS $runtime $t" | tee -a "$work/results"
      else
        echo "FAIL $runtime $t (exit $status)" | tee -a "$work/results"
        if [ -n "${VERBOSE:-}" ]; then sed 's/^/    /' "$out"; fi
      fi
    done
  done
}

unified=/sys/fs/cgroup/unified
v1=/sys/fs/cgroup/hugetlb
hugetlb_was_enabled=
# Waits for hugetlb to leave the v1 hierarchy (when its last cgroup is gone, after an RCU grace
# period), removing cgroups a runtime left there, and enables it again where it was.
restore_hugetlb() {
  local i
  for ((i = 0; i < 500; i++)); do
    grep -qw hugetlb "$unified/cgroup.controllers" && break
    if ((i % 100 == 99)); then
      unshare --mount --propagation private sh -c "mkdir -p $v1 && mount -t cgroup -o hugetlb cgroup $v1 \
        && { find $v1 -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null; umount $v1; }" || true
    fi
    sleep 0.02
  done
  rmdir "$v1" 2>/dev/null || true
  if ! grep -qw hugetlb "$unified/cgroup.controllers"; then
    echo "runtime-tools.sh: hugetlb did not return to $unified (a v1 hugetlb cgroup is still in use)" >&2
    return 1
  fi
  if [ -n "$hugetlb_was_enabled" ]; then echo +hugetlb > "$unified/cgroup.subtree_control"; fi
}

: > "$work/results"
if [ -n "$hugetlb_v1" ]; then
  grep -qw hugetlb "$unified/cgroup.controllers" 2>/dev/null \
    || { echo "runtime-tools.sh: --hugetlb-v1: hugetlb is not a controller of $unified" >&2; exit 2; }
  [ -e "$v1" ] && { echo "runtime-tools.sh: --hugetlb-v1: $v1 exists already" >&2; exit 2; }
  if grep -qw hugetlb "$unified/cgroup.subtree_control"; then
    # A controller enabled below the v2 root cannot bind to a v1 hierarchy; busy cgroups stay and
    # the write below then fails.
    find "$unified" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
    echo -hugetlb > "$unified/cgroup.subtree_control"
    hugetlb_was_enabled=1
  fi
  trap 'restore_hugetlb; rm -rf "$work"' EXIT
  export -f run_programs
  export work bin timeout_s VERBOSE runtimes_list="${runtimes[*]}" tests_list="${tests[*]}"
  unshare --mount --propagation private bash -c '
    set -euo pipefail
    read -ra runtimes <<<"$runtimes_list"
    read -ra tests <<<"$tests_list"
    umount -l '"$unified"'
    mkdir -p '"$v1"'
    mount -t cgroup -o hugetlb cgroup '"$v1"'
    trap "find '"$v1"' -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null; umount '"$v1"'" EXIT
    run_programs'
else
  run_programs
fi
for runtime in "${runtimes[@]}"; do
  if [ ${#runtimes[@]} -gt 1 ]; then printf '%s: ' "$runtime"; fi
  echo "$(grep -c "^PASS $runtime " "$work/results") passed, $(grep -c "^FAIL $runtime " "$work/results") failed"
done
