#!/bin/sh
# Installs what ngbench needs to build, test and run on Debian 12 (as root).
# Usage: build-aux/install-deps.sh          (run 'apt-get update' first)
#        build-aux/install-deps.sh --print  (only list the packages)
#
# The system allocators' packages are not listed here: each comes from its
# plugin (allocators/system/*.c, the line '.package = "..."'), the one
# place that names it, which is also what 'ngbench list allocators' says
# to install when the library is missing.
set -e
srcdir=$(dirname "$0")/..
allocator_packages=$(sed -n 's/^.*\.package = "\(.*\)",$/\1/p' "$srcdir"/allocators/system/*.c)
if [ -z "$allocator_packages" ]; then
	echo "install-deps.sh: no allocator package found in $srcdir/allocators/system/*.c" >&2
	exit 1
fi
packages="
	build-essential autoconf automake libtool pkg-config
	libsqlite3-dev sqlite3 libpfm4-dev libjansson-dev libzstd-dev
	$allocator_packages
	libxalan-c-dev xalan
	gnuplot-nox valgrind chromium nodejs
	python3 python3-yaml bsdutils procps file
	redis-server redis-tools rocksdb-tools lua5.4 ghostscript z3
	parallel slurm-wlm munge
"
if [ "$1" = --print ]; then
	for p in $packages; do echo "$p"; done
	exit 0
fi
missing=
for p in $packages; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
