/*
 * harness/progress.c - one status line on stderr while a session runs, when
 * stderr is a terminal; nothing otherwise (logs stay clean).
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "internal.h"

void progress_init(struct progress *p, int total)
{
	p->enabled = isatty(STDERR_FILENO);
	p->total = total;
	p->start = monotonic_seconds();
}

static void fmt_duration(char *buf, size_t n, double s)
{
	long t = (long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, n, "%02ld:%02ld", t / 60, t % 60);
}

void progress_show(struct progress *p, int done, const char *cell)
{
	char el[32], eta[32];
	double elapsed;

	if (!p->enabled)
		return;
	elapsed = monotonic_seconds() - p->start;
	fmt_duration(el, sizeof(el), elapsed);
	if (done > 0)
		fmt_duration(eta, sizeof(eta), elapsed / done * (p->total - done));
	else
		snprintf(eta, sizeof(eta), "--:--");
	fprintf(stderr, "\r\033[K[%d/%d] %s  elapsed %s  ETA %s", done + 1, p->total, cell, el, eta);
	fflush(stderr);
}

void progress_clear(struct progress *p)
{
	if (!p->enabled)
		return;
	fprintf(stderr, "\r\033[K");
	fflush(stderr);
}
