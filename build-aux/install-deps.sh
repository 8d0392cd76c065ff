#!/bin/sh
# Installs what ngbench needs to build, test and run on Debian 12 (as root).
# Usage: build-aux/install-deps.sh    (run 'apt-get update' first)
set -e
packages="
	build-essential autoconf automake libtool pkg-config
	libsqlite3-dev sqlite3 libpfm4-dev libjansson-dev libzstd-dev
	libjemalloc-dev libgoogle-perftools-dev libmimalloc-dev
	libxalan-c-dev xalan
	gnuplot-nox valgrind chromium nodejs
	python3 python3-yaml bsdutils procps file
	redis-server redis-tools rocksdb-tools lua5.4 ghostscript z3
	parallel slurm-wlm munge
"
missing=
for p in $packages; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
