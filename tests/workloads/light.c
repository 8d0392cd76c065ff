/*
 * tests/workloads/light.c - the light self-check's sample of tails
 * (workloads/common.h): about one block in 8 gets its tail checked, every
 * size gets it at some addresses, and what it checks is caught when
 * broken: the last byte of a sampled block (a neighbour placed one byte
 * too early), the first byte of any block, the last byte of a block under
 * 32 bytes and of a block over 4 KiB (always checked), while an intact
 * block passes.  A failed check exits the program, so each one runs in a
 * child.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "../../workloads/common.h"

#define ALIGN 16
#define ADDRS 4096

static int sampled(const void *p, size_t n)
{
	return wl_light_tail(n, wl_light_key(p, n)) == n - 16;
}

/* Fills the block [p, p+n), changes byte @bad (none when n), checks it in
 * a child: 1 when the check failed (exit 1), 0 when it passed. */
static int caught(unsigned char *p, size_t n, size_t bad)
{
	pid_t pid;
	int status;

	wl_fill(p, n);
	if (bad < n)
		p[bad] ^= 0x5a;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* The check's report goes to stderr: keep TAP clean. */
		if (!freopen("/dev/null", "w", stderr))
			_exit(3);
		wl_check(p, n);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) == 1;
}

/* The first 16-aligned block of n bytes in @buf whose tail is (want = 1)
 * or is not (want = 0) in the sample. */
static unsigned char *find(unsigned char *buf, size_t n, int want)
{
	for (size_t i = 0; i < ADDRS; i++)
		if (sampled(buf + i * ALIGN, n) == want)
			return buf + i * ALIGN;
	return NULL;
}

int main(void)
{
	size_t len = ADDRS * ALIGN + 8192, hits = 0, blocks = 0, uncovered = 0;
	unsigned char *buf = aligned_alloc(4096, len), *p;

	tap_plan(8);
	if (!buf)
		tap_skip_all("no memory for the test blocks");
	for (size_t n = WL_LIGHT_SMALL; n <= 1024; n++) {
		size_t h = 0;

		for (size_t i = 0; i < ADDRS; i++)
			h += sampled(buf + i * ALIGN, n);
		hits += h;
		blocks += ADDRS;
		uncovered += h == 0;
	}
	ok(hits * 100 > blocks * 11 && hits * 100 < blocks * 14,
	   "about one block in 8 has its tail checked (%zu of %zu)", hits, blocks);
	ok(uncovered == 0, "every size from 32 to 1024 bytes has its tail checked at some "
	   "addresses (%zu sizes never)", uncovered);

	p = find(buf, 100, 1);
	ok(p && caught(p, 100, 99) == 1,
	   "a sampled 100-byte block whose last byte changed is caught");
	p = find(buf, 100, 0);
	ok(p && caught(p, 100, 0) == 1, "an unsampled 100-byte block whose first byte changed is caught");
	ok(p && caught(p, 100, 100) == 0, "an intact 100-byte block passes");
	ok(caught(buf + ALIGN, 24, 23) == 1, "a 24-byte block whose last byte changed is caught");
	p = find(buf, 5000, 0);
	ok(p && caught(p, 5000, 4999) == 1,
	   "a 5000-byte block whose last byte changed is caught, sampled or not");
	ok(p && caught(p, 5000, 4096) == 1, "a 5000-byte block whose page word changed is caught");
	free(buf);
	return tap_done();
}
