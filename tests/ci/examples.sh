#!/bin/sh
# The example CI configurations of docs/ci.md (docs/examples/*.yml) are
# valid YAML of the shape GitHub Actions and GitLab CI expect, and every
# ngbench command in them is real: the subcommand, each option (from its
# --help), the experiment and the baseline file (tests/ci/check-ci-config.py).
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is needed"; exit 0; }
exec python3 "$top_srcdir/tests/ci/check-ci-config.py" "$top_builddir/ngbench" "$top_srcdir" \
	"$top_srcdir/docs/examples/github-actions.yml" "$top_srcdir/docs/examples/gitlab-ci.yml"
