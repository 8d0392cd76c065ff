/*
 * harness/gate_options.c - the options that tune a comparison and the CI
 * gate, parsed alike by 'compare', 'ci' and 'history': a percentage or
 * fraction ("5%", "0.05"), and the option-table callbacks of --threshold,
 * --stat and --min-effect.  They live apart from the commands so that no command includes
 * another's helpers.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../lib/options.h"
#include "ngbench/report.h"

/* "5%" or a fraction "0.05"; -1 otherwise (also for the gate's options). */
int compare_parse_effect(const char *s, double *out)
{
	size_t n = strlen(s);
	char *num;
	double v;
	int pct = n > 0 && s[n - 1] == '%';

	num = xstrdup(s);
	if (pct)
		num[n - 1] = '\0';
	if (parse_double(num, &v) || v < 0 || (pct ? v >= 100 : v >= 1)) {
		free(num);
		return -1;
	}
	free(num);
	*out = pct ? v / 100 : v;
	return 0;
}

/* The gate's options as table callbacks: opt->value is the gate options. */
int gate_option_threshold(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	struct ngb_gate_options *g = o->value;

	if (compare_parse_effect(arg, &g->threshold))
		return ngb_err_set(e, -EINVAL, "bad threshold '%s': give a percentage such as 0.5%% "
				   "or a fraction such as 0.005", arg);
	return 0;
}

int gate_option_stat(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	struct ngb_gate_options *g = o->value;

	if (ngb_compare_stat_parse(arg, &g->time.stat))
		return ngb_err_set(e, -EINVAL, "unknown statistic '%s': use min, p25 or median", arg);
	g->stat_given = 1;
	return 0;
}

int gate_option_min_effect(const struct ngb_option *o, const char *arg, struct ngb_err *e)
{
	struct ngb_gate_options *g = o->value;

	if (compare_parse_effect(arg, &g->time.min_effect))
		return ngb_err_set(e, -EINVAL, "bad minimum effect '%s': give a percentage such as "
				   "5%% or a fraction such as 0.05, below 100%%", arg);
	return 0;
}
