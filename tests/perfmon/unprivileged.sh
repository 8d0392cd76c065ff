#!/bin/sh
# The counting paths of an ordinary user under perf_event_paranoid >= 2
# (user space only; context switches and migrations not countable there),
# tested for real: when this runs as root, the software-event test is run
# again as 'nobody'.  As an ordinary user, the plain run already covers it.
: "${top_builddir:?run through make check}"
prog=$top_builddir/tests/perfmon/software
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP not root: tests/perfmon/software already ran as an ordinary user"
	exit 0
fi
command -v setpriv >/dev/null || { echo "1..0 # SKIP setpriv (util-linux) is missing"; exit 0; }
# nobody must reach the program: every folder above it must be searchable
if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$prog" 2>/dev/null; then
	echo "1..0 # SKIP '$prog' is not reachable by user nobody (a private build folder)"
	exit 0
fi
# a working folder user nobody can enter ($TMPDIR may be private)
cd /tmp || exit 1
exec setpriv --reuid=65534 --regid=65534 --clear-groups --reset-env \
	env PATH=/usr/bin:/bin "$prog"
