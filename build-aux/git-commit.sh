#!/bin/sh
# Prints the git commit the sources come from: a tarball's recorded commit,
# else the checkout's (with "-dirty" when it has uncommitted changes), else
# "unknown".  Usage: git-commit.sh SRCDIR
srcdir=${1:-.}
if test -f "$srcdir/.tarball-commit"; then
	cat "$srcdir/.tarball-commit"
	exit 0
fi
if c=$(git -C "$srcdir" rev-parse --short=12 HEAD 2>/dev/null); then
	if test -n "$(git -C "$srcdir" status --porcelain --untracked-files=no 2>/dev/null)"; then
		c="$c-dirty"
	fi
	echo "$c"
	exit 0
fi
echo unknown
