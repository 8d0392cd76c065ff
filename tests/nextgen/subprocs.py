# tests/nextgen/subprocs.py - a deterministic Python program for
# real-programs-more.sh: threads that allocate while the process forks and
# runs subprocesses (each with its own allocator core under libnextgen), a
# multiprocessing pool of forked workers, and pipes between them.  Its
# output must be byte-identical under every allocator.
import hashlib
import multiprocessing
import subprocess
import sys
import threading

results = {}
lock = threading.Lock()


def churn(k):
    acc = {}
    for i in range(30000):
        acc["%d-%d" % (k, i % 4000)] = [i] * (1 + i % 7)
    digest = hashlib.sha256(repr(sorted(acc.items())[:500]).encode()).hexdigest()
    with lock:
        results["churn%d" % k] = digest


def child(k):
    # a subprocess per thread while the others allocate
    out = subprocess.run([sys.executable, "-c",
                          "import sys; print(sum(len(str(i) * 3) for i in range(%d)))" % (50000 + k)],
                         capture_output=True, text=True, check=True).stdout.strip()
    with lock:
        results["child%d" % k] = out


def square_list(n):
    return sum(len([j] * (j % 5)) for j in range(n))


threads = [threading.Thread(target=churn, args=(k,)) for k in range(3)]
threads += [threading.Thread(target=child, args=(k,)) for k in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()

ctx = multiprocessing.get_context("fork")
with ctx.Pool(2) as pool:
    pooled = pool.map(square_list, [20000 + i for i in range(6)])

pipe = subprocess.run(["sort"], input="\n".join("%05d" % ((i * 7919) % 10007) for i in range(20000)),
                      capture_output=True, text=True, check=True).stdout
for key in sorted(results):
    print(key, results[key])
print(pooled)
print(hashlib.sha256(pipe.encode()).hexdigest())
