# tests/alloc/workload.py - a deterministic Python workload for
# real-programs.sh: dictionaries, strings, sorting, JSON, regular
# expressions, big integers, threads, and subprocesses started while other
# threads run (fork and exec under the allocator, its fork handlers taken
# with heaps in use).  Its output must be byte-identical under every
# allocator.
import hashlib
import json
import re
import subprocess
import sys
import threading

rows = [{"id": i, "name": "item-%05d" % i, "tags": [str(i % 7), str(i % 11)] * (i % 4),
         "value": (i * 7919) % 100003} for i in range(60000)]
by_value = sorted(rows, key=lambda r: (r["value"], r["id"]))
text = json.dumps(by_value[:5000], sort_keys=True)
back = json.loads(text)
words = re.findall(r"item-(\d+)", text)
counts = {}
for w in words:
    counts[w[-2:]] = counts.get(w[-2:], 0) + 1
big = 1
for i in range(1, 2000):
    big *= i

results = [None] * 4


def work(k):
    acc = []
    for i in range(20000):
        s = ("%d:%d" % (k, i)) * (1 + i % 9)
        acc.append(s[::-1])
        if len(acc) > 500:
            acc = acc[250:]
    results[k] = hashlib.sha256("".join(acc).encode()).hexdigest()


children = [None] * 3


def spawn(k):
    # A child Python (the allocator preloaded into it too) that allocates,
    # started while the work threads allocate in this process.
    code = "import hashlib; print(hashlib.sha256(str(sorted(range(%d, 0, -1))).encode()).hexdigest())"
    out = subprocess.run([sys.executable, "-c", code % (50000 + k)],
                         capture_output=True, text=True, check=True)
    children[k] = out.stdout.strip()


threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
threads += [threading.Thread(target=spawn, args=(k,)) for k in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()

print(len(rows), len(back), len(words), sorted(counts.items())[:5])
print(hashlib.sha256(text.encode()).hexdigest())
print(hashlib.sha256(hex(big).encode()).hexdigest())
print(results)
print(children)
