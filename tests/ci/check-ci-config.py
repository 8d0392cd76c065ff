#!/usr/bin/env python3
"""tests/ci/check-ci-config.py NGBENCH SRCDIR FILE...: the example CI
configurations (docs/examples) are valid and use the real commands.

Each file is parsed as YAML (PyYAML; without it: exit 77, the caller skips)
and checked for the shape its CI expects (GitHub Actions: 'on', jobs with
'runs-on' and steps that each 'run' or 'use'; GitLab: jobs with a 'script'
list, a declared stage, a JUnit report path).  Every 'ngbench ...' command
in a step is split like a shell would, and each subcommand and long option
must be one that 'NGBENCH COMMAND --help' lists; an experiment named must
be shipped (data/experiments) and a baseline file must exist in SRCDIR.
Prints TAP.
"""
import os
import re
import shlex
import subprocess
import sys

try:
    import yaml
except ImportError:
    print("1..0 # SKIP python3-yaml is not installed (apt-get install python3-yaml)")
    sys.exit(0)

ngbench, srcdir, files = sys.argv[1], sys.argv[2], sys.argv[3:]
n = 0
failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, what))
    if not cond:
        failed += 1


def commands(text):
    """The ngbench command lines of a shell snippet."""
    out = []
    for line in re.split(r"\n|&&|;", text):
        words = shlex.split(line, posix=True) if line.strip() else []
        for i, w in enumerate(words):
            if os.path.basename(w) == "ngbench" and i + 1 < len(words):
                out.append(words[i + 1:])
    return out


help_cache = {}


def options_of(cmd):
    if cmd not in help_cache:
        p = subprocess.run([ngbench, cmd, "--help"], capture_output=True, text=True)
        help_cache[cmd] = (p.returncode, set(re.findall(r"--[a-z][a-z0-9-]*", p.stdout)))
    return help_cache[cmd]


def check_command(words, where):
    cmd, args = words[0], words[1:]
    rc, opts = options_of(cmd)
    ok(rc == 0, "%s: 'ngbench %s' is a command" % (where, cmd))
    for a in args:
        if a.startswith("--"):
            name = a.split("=", 1)[0]
            ok(name in opts, "%s: 'ngbench %s' takes %s" % (where, cmd, name))
            value = a.split("=", 1)[1] if "=" in a else None
            if name == "--experiment" and value:
                ok(os.path.exists(os.path.join(srcdir, "data/experiments", value + ".ini")),
                   "%s: experiment '%s' is shipped" % (where, value))
            if name == "--baseline-file" and value:
                ok(os.path.exists(os.path.join(srcdir, value)),
                   "%s: baseline '%s' exists" % (where, value))


for f in files:
    name = os.path.basename(f)
    try:
        with open(f) as fh:
            doc = yaml.safe_load(fh)
        ok(isinstance(doc, dict), "%s: valid YAML, a mapping" % name)
    except yaml.YAMLError as e:
        ok(False, "%s: valid YAML (%s)" % (name, str(e).replace("\n", " ")))
        continue
    found = []
    if "jobs" in doc:
        # YAML 1.1 reads the key 'on' as true
        ok("on" in doc or True in doc, "%s: has 'on'" % name)
        for job, body in doc["jobs"].items():
            ok("runs-on" in body, "%s: job %s has runs-on" % (name, job))
            steps = body.get("steps", [])
            ok(isinstance(steps, list) and steps, "%s: job %s has steps" % (name, job))
            for s in steps:
                ok(("run" in s) != ("uses" in s), "%s: each step runs or uses" % name)
                if "run" in s:
                    found += commands(s["run"])
    else:
        stages = doc.get("stages", ["build", "test", "deploy"])
        jobs = {k: v for k, v in doc.items() if isinstance(v, dict) and "script" in v}
        ok(jobs, "%s: has jobs with a script" % name)
        for job, body in jobs.items():
            ok(isinstance(body["script"], list), "%s: %s's script is a list" % (name, job))
            ok(body.get("stage", "test") in stages, "%s: %s's stage is declared" % (name, job))
            junit = body.get("artifacts", {}).get("reports", {}).get("junit")
            ok(junit is not None, "%s: %s reports JUnit" % (name, job))
            for line in body["script"]:
                found += commands(line)
    ok(any(w and w[0] == "ci" for w in found), "%s: runs 'ngbench ci'" % name)
    for w in found:
        check_command(w, name)

print("1..%d" % n)
sys.exit(1 if failed else 0)
