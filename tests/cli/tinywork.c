/*
 * tests/cli/tinywork.c - a tiny program for the harness's own tests: it
 * allocates, prints a result record, and can be told to fail in each way a
 * trial can fail.
 *
 *   tinywork [--exit=N] [--signal=N] [--sleep=SECONDS] [--child-sleep=SECONDS]
 *            [--stderr=TEXT] [--no-record] [--bad-record] [--metric=NAME]
 *            [--allocs=N] [--print-affinity]
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) != 0)
		;
}

int main(int argc, char **argv)
{
	int exit_code = 0, sig = 0, record = 1, bad = 0, affinity = 0, i;
	double sleep_s = 0, child_sleep = 0;
	const char *metric = "ops", *err_text = NULL;
	long allocs = 1000;
	unsigned long sum = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "--exit=", 7))
			exit_code = atoi(a + 7);
		else if (!strncmp(a, "--signal=", 9))
			sig = atoi(a + 9);
		else if (!strncmp(a, "--sleep=", 8))
			sleep_s = atof(a + 8);
		else if (!strncmp(a, "--child-sleep=", 14))
			child_sleep = atof(a + 14);
		else if (!strncmp(a, "--stderr=", 9))
			err_text = a + 9;
		else if (!strcmp(a, "--no-record"))
			record = 0;
		else if (!strcmp(a, "--bad-record"))
			bad = 1;
		else if (!strncmp(a, "--metric=", 9))
			metric = a + 9;
		else if (!strncmp(a, "--allocs=", 9))
			allocs = atol(a + 9);
		else if (!strcmp(a, "--print-affinity"))
			affinity = 1;
		else {
			fprintf(stderr, "tinywork: unknown option '%s'\n", a);
			return 2;
		}
	}
	for (i = 0; i < allocs; i++) {
		char *p = malloc((size_t)(16 + i % 256));

		if (!p)
			return 1;
		p[0] = (char)i;
		sum += (unsigned char)p[0];
		free(p);
	}
	if (child_sleep > 0 && fork() == 0) {
		/* a grandchild that outlives us unless its group is killed */
		nap(child_sleep);
		_exit(0);
	}
	if (sleep_s > 0)
		nap(sleep_s);
	if (err_text) {
		for (i = 0; i < 30; i++)
			fprintf(stderr, "line %d of stderr\n", i + 1);
		fprintf(stderr, "%s\n", err_text);
	}
	if (sig)
		raise(sig);
	if (record && bad)
		printf("ngbench-result: metric=%s value=abc better=lower\n", metric);
	else if (record) {
		printf("ngbench-result: metric=%s value=%ld unit=ops better=higher checksum=%lu",
		       metric, allocs, sum);
		if (affinity) {
			cpu_set_t set;

			sched_getaffinity(0, sizeof(set), &set);
			printf(" cpus=%d", CPU_COUNT(&set));
		}
		printf("\n");
	}
	return exit_code;
}
