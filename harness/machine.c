/*
 * harness/machine.c - facts about this machine recorded with every session,
 * and clocks.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/commit.h"
#include "internal.h"

/* The value of the first line "key<spaces>: value" or "key=value" of a file. */
static char *file_field(const char *path, const char *key, int sep)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t klen = strlen(key);
	char *out = NULL;

	if (!f)
		return NULL;
	while (!out && fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (strncmp(line, key, klen))
			continue;
		p = line + klen;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != sep)
			continue;
		p++;
		while (*p == ' ' || *p == '"')
			p++;
		end = p + strlen(p);
		while (end > p && strchr("\n\" ", end[-1]))
			end--;
		*end = '\0';
		out = xstrdup(p);
	}
	fclose(f);
	return out;
}

char *machine_cpu_model(void)
{
	char *m = file_field("/proc/cpuinfo", "model name", ':');

	return m ? m : xstrdup("unknown");
}

char *machine_os(void)
{
	char *m = file_field("/etc/os-release", "PRETTY_NAME", '=');

	return m ? m : xstrdup("unknown");
}

char *now_iso8601(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%03ldZ", buf, ts.tv_nsec / 1000000);
}

double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *ngb_git_commit(void)
{
	return NGB_GIT_COMMIT;
}
