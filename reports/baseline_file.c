/*
 * reports/baseline_file.c - the baseline file: written and read back byte
 * for byte (baseline.c makes a baseline from a session).
 *
 * The format (docs/ci.md) is line-based "key = value" with "[cell]"
 * sections, in a fixed key order and a fixed cell order, so that saving the
 * same measurements twice gives the same bytes and a real change is a
 * readable diff.  Text from users (names, parameters) is escaped: a
 * backslash, a control byte or a byte above 0x7e becomes \xNN, so every line
 * stays one line of ASCII.  An unknown key is an error: a typo must not
 * silently weaken the gate.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ngbench/ini.h"

const char *ngb_sim_metric_name(enum ngb_sim_metric m)
{
	static const char *const names[] = { "instructions", "D1-misses", "LL-misses" };

	return m < NGB_SIM_NMETRICS ? names[m] : "?";
}

void baseline_cell_release(struct ngb_baseline_cell *c)
{
	free(c->workload);
	free(c->params);
	free(c->allocator);
	free(c->allocator_version);
	free(c->counters);
	free(c->geometry);
	free(c->metric);
	free(c->unit);
	free(c->values);
}

void ngb_baseline_free(struct ngb_baseline *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->ncells; i++)
		baseline_cell_release(&b->cells[i]);
	free(b->cells);
	free(b->control);
	free(b->source);
	free(b->version);
	free(b->commit);
	free(b->cpu_model);
	free(b->kernel);
	free(b->os);
	free(b->libc);
	free(b);
}

/* ---- the file ------------------------------------------------------------- */

static void put_escaped(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c > 0x7e || c == '\\')
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

static void kv(FILE *out, const char *key, const char *value)
{
	fprintf(out, "%s = ", key);
	put_escaped(out, value);
	fputc('\n', out);
}

/*
 * Numbers: %.10g keeps a count below 10^10 exact; a per-operation figure
 * keeps 10 digits, far below the gate's threshold.  Time values keep 6,
 * more than any run-to-run difference on a real machine.
 */
static void sim_line(FILE *out, const struct ngb_baseline_cell *c, int m)
{
	fprintf(out, "%s = %.10g min %.10g max %.10g\n", ngb_sim_metric_name(m), c->sim_med[m],
		c->sim_min[m], c->sim_max[m]);
}

int ngb_baseline_write(const struct ngb_baseline *b, FILE *out, struct ngb_err *e)
{
	size_t i, j;
	int m;

	fprintf(out,
		"# ngbench baseline: one [cell] per workload x parameters x threads x allocator\n"
		"# x counter mode.  Written by 'ngbench baseline save', read by 'ngbench compare\n"
		"# --baseline-file' and 'ngbench ci'.  Change it on purpose only (docs/ci.md).\n"
		"format = %d\n", NGB_BASELINE_FORMAT_VERSION);
	kv(out, "source", b->source);
	kv(out, "ngbench", b->version);
	kv(out, "commit", b->commit);
	kv(out, "cpu", b->cpu_model);
	fprintf(out, "cores = %d\n", b->cores);
	kv(out, "kernel", b->kernel);
	kv(out, "os", b->os);
	kv(out, "libc", b->libc);
	if (b->control)
		kv(out, "control", b->control);
	for (i = 0; i < b->ncells; i++) {
		const struct ngb_baseline_cell *c = &b->cells[i];

		fputs("\n[cell]\n", out);
		kv(out, "workload", c->workload);
		kv(out, "params", c->params);
		fprintf(out, "threads = %d\n", c->threads);
		kv(out, "allocator", c->allocator);
		kv(out, "allocator-version", c->allocator_version);
		kv(out, "counters", c->counters);
		if (c->geometry)
			kv(out, "geometry", c->geometry);
		kv(out, "metric", c->metric);
		kv(out, "unit", c->unit);
		fprintf(out, "better = %s\n", c->higher ? "higher" : "lower");
		fprintf(out, "runs = %zu\n", c->runs);
		if (c->failed)
			fprintf(out, "failed = %zu\n", c->failed);
		if (c->unpaired)
			fprintf(out, "unpaired = %zu\n", c->unpaired);
		if (c->nvalues) {
			fputs("values =", out);
			for (j = 0; j < c->nvalues; j++)
				fprintf(out, " %.6g", c->values[j]);
			fputc('\n', out);
		}
		if (c->have_sim) {
			fprintf(out, "per = %s\n", c->per_op ? "op" : "run");
			for (m = 0; m < NGB_SIM_NMETRICS; m++)
				sim_line(out, c, m);
		}
	}
	return ferror(out) ? ngb_err_set(e, -EIO, "cannot write the baseline") : 0;
}

static char *unescape(const char *s)
{
	char *r = malloc(strlen(s) + 1), *w = r;

	if (!r)
		return NULL;
	while (*s) {
		unsigned v;

		if (s[0] == '\\' && s[1] == 'x' && sscanf(s + 2, "%2x", &v) == 1 && s[2] && s[3]) {
			*w++ = (char)v;
			s += 4;
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
	return r;
}

static int parse_sim(const char *v, struct ngb_baseline_cell *c, int m)
{
	int n = 0;

	if (sscanf(v, "%lf min %lf max %lf%n", &c->sim_med[m], &c->sim_min[m], &c->sim_max[m],
		   &n) != 3 || v[n] != '\0')
		return -1;
	c->have_sim |= 1 << (m + 1);
	return 0;
}

static int parse_values(const char *v, struct ngb_baseline_cell *c)
{
	size_t cap = 8;

	c->values = malloc(cap * sizeof(double));
	if (!c->values)
		return -1;
	for (;;) {
		char *end;
		double x;

		while (*v == ' ')
			v++;
		if (!*v)
			break;
		x = strtod(v, &end);
		if (end == v || (*end && *end != ' '))
			return -1;
		if (c->nvalues == cap) {
			double *nv = realloc(c->values, 2 * cap * sizeof(double));

			if (!nv)
				return -1;
			c->values = nv;
			cap *= 2;
		}
		c->values[c->nvalues++] = x;
		v = end;
	}
	ngb_sort_doubles(c->values, c->nvalues);
	return 0;
}

static int parse_count(const char *v, size_t *out)
{
	char *end;
	unsigned long long x = strtoull(v, &end, 10);

	if (end == v || *end || *v == '-')
		return -1;
	*out = (size_t)x;
	return 0;
}

static int cell_key(struct ngb_baseline_cell *c, const char *k, const char *v)
{
	char **slot = NULL;
	int m;

	if (!strcmp(k, "workload"))
		slot = &c->workload;
	else if (!strcmp(k, "params"))
		slot = &c->params;
	else if (!strcmp(k, "allocator"))
		slot = &c->allocator;
	else if (!strcmp(k, "allocator-version"))
		slot = &c->allocator_version;
	else if (!strcmp(k, "counters"))
		slot = &c->counters;
	else if (!strcmp(k, "geometry"))
		slot = &c->geometry;
	else if (!strcmp(k, "metric"))
		slot = &c->metric;
	else if (!strcmp(k, "unit"))
		slot = &c->unit;
	if (slot) {
		free(*slot);
		*slot = unescape(v);
		return *slot ? 0 : -1;
	}
	if (!strcmp(k, "threads")) {
		size_t t;

		if (parse_count(v, &t) || t > 1 << 20)
			return -1;
		c->threads = (int)t;
		return 0;
	}
	if (!strcmp(k, "better")) {
		if (strcmp(v, "higher") && strcmp(v, "lower"))
			return -1;
		c->higher = !strcmp(v, "higher");
		return 0;
	}
	if (!strcmp(k, "runs"))
		return parse_count(v, &c->runs);
	if (!strcmp(k, "failed"))
		return parse_count(v, &c->failed);
	if (!strcmp(k, "unpaired"))
		return parse_count(v, &c->unpaired);
	if (!strcmp(k, "values"))
		return parse_values(v, c);
	if (!strcmp(k, "per")) {
		if (strcmp(v, "op") && strcmp(v, "run"))
			return -1;
		c->per_op = !strcmp(v, "op");
		return 0;
	}
	for (m = 0; m < NGB_SIM_NMETRICS; m++)
		if (!strcmp(k, ngb_sim_metric_name(m)))
			return parse_sim(v, c, m);
	return 1;   /* unknown key */
}

static int head_key(struct ngb_baseline *b, const char *k, const char *v, int *format)
{
	char **slot = NULL;

	if (!strcmp(k, "format")) {
		size_t f;

		if (parse_count(v, &f))
			return -1;
		*format = (int)f;
		return 0;
	}
	if (!strcmp(k, "source"))
		slot = &b->source;
	else if (!strcmp(k, "ngbench"))
		slot = &b->version;
	else if (!strcmp(k, "commit"))
		slot = &b->commit;
	else if (!strcmp(k, "cpu"))
		slot = &b->cpu_model;
	else if (!strcmp(k, "kernel"))
		slot = &b->kernel;
	else if (!strcmp(k, "os"))
		slot = &b->os;
	else if (!strcmp(k, "libc"))
		slot = &b->libc;
	else if (!strcmp(k, "control"))
		slot = &b->control;
	if (slot) {
		free(*slot);
		*slot = unescape(v);
		return *slot ? 0 : -1;
	}
	if (!strcmp(k, "cores")) {
		size_t c;

		if (parse_count(v, &c))
			return -1;
		b->cores = (int)c;
		return 0;
	}
	return 1;
}

static int check_cell(const struct ngb_baseline_cell *c)
{
	if (!c->workload || !c->params || !c->allocator || !c->counters || !c->metric)
		return -1;
	/* every simulated quantity or none */
	if (c->have_sim && c->have_sim != (1 << (NGB_SIM_NMETRICS + 1)) - 2)
		return -1;
	return 0;
}

struct baseline_reader {
	struct ngb_baseline *b;
	struct ngb_baseline_cell *cur;
	int format;
};

static int on_baseline_item(void *user, const struct ngb_ini_item *it, struct ngb_err *e)
{
	struct baseline_reader *R = user;
	struct ngb_baseline *b = R->b;
	int rc;

	if (!it->key) {
		struct ngb_baseline_cell *nc;

		if (strcmp(it->section, "cell"))
			return ngb_err_set(e, -EINVAL, "expected 'key = value' or '[cell]'");
		if (R->cur && check_cell(R->cur))
			return ngb_err_set(e, -EINVAL, "the cell before lacks a workload, parameters, "
					   "allocator, counters, metric or a simulated count");
		nc = realloc(b->cells, (b->ncells + 1) * sizeof(*nc));
		if (!nc)
			return ngb_err_set(e, -ENOMEM, "out of memory");
		b->cells = nc;
		R->cur = &b->cells[b->ncells++];
		memset(R->cur, 0, sizeof(*R->cur));
		return 0;
	}
	rc = R->cur ? cell_key(R->cur, it->key, it->value)
		    : head_key(b, it->key, it->value, &R->format);
	if (rc < 0)
		return ngb_err_set(e, -EINVAL, "bad value of '%s'", it->key);
	/* an unknown key is an error: a typo must not silently weaken the gate */
	if (rc > 0)
		return ngb_err_set(e, -EINVAL, "unknown key '%s'", it->key);
	if (!R->cur && R->format > NGB_BASELINE_FORMAT_VERSION)
		return ngb_err_set(e, -EINVAL, "a baseline of format %d; this ngbench reads format "
				   "%d: update ngbench", R->format, NGB_BASELINE_FORMAT_VERSION);
	return 0;
}

int ngb_baseline_parse(const char *text, const char *name, struct ngb_baseline **out,
		       struct ngb_err *e)
{
	return ngb_baseline_parse_len(text, strlen(text), name, out, e);
}

int ngb_baseline_parse_len(const char *text, size_t len, const char *name,
			   struct ngb_baseline **out, struct ngb_err *e)
{
	/* the shared INI reader: [cell] repeats, keys do not */
	static const struct ngb_ini_syntax syntax = { "#", 1, NULL };
	struct baseline_reader R = { 0 };
	size_t i;
	int rc;

	*out = NULL;
	R.b = calloc(1, sizeof(*R.b));
	if (!R.b)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	rc = ngb_ini_parse(text, len, &syntax, on_baseline_item, &R, e);
	if (rc && e) {
		char msg[sizeof(e->msg)];

		memcpy(msg, e->msg, sizeof(msg));
		ngb_err_set(e, rc, "'%s' %s", name, msg);
	}
	if (!rc && R.format < 1)
		rc = ngb_err_set(e, -EINVAL, "'%s' is not an ngbench baseline (no 'format = %d')",
				 name, NGB_BASELINE_FORMAT_VERSION);
	if (!rc && R.cur && check_cell(R.cur))
		rc = ngb_err_set(e, -EINVAL, "'%s': the last cell lacks a workload, parameters, "
				 "allocator, counters, metric or a simulated count", name);
	if (rc) {
		ngb_baseline_free(R.b);
		return rc;
	}
	/* a cell twice would be judged by whichever came first, silently */
	for (i = 0; !rc && i < R.b->ncells; i++)
		for (size_t j = i + 1; !rc && j < R.b->ncells; j++)
			if (baseline_cell_same(&R.b->cells[i], &R.b->cells[j]))
				rc = ngb_err_set(e, -EINVAL, "'%s': cells %zu and %zu are the same cell "
						 "(workload %s, allocator %s, threads %d, counters %s): "
						 "a baseline holds each cell once; delete one, or "
						 "save the baseline again",
						 name, i + 1, j + 1, R.b->cells[i].workload,
						 R.b->cells[i].allocator, R.b->cells[i].threads,
						 R.b->cells[i].counters);
	if (rc) {
		ngb_baseline_free(R.b);
		return rc;
	}
	for (i = 0; i < R.b->ncells; i++) {
		struct ngb_baseline_cell *c = &R.b->cells[i];

		c->have_sim = c->have_sim != 0;
		if (!c->unit)
			c->unit = rep_strdup("");
		if (!c->allocator_version)
			c->allocator_version = rep_strdup("");
	}
	*out = R.b;
	return 0;
}

int ngb_baseline_read(const char *path, struct ngb_baseline **out, struct ngb_err *e)
{
	FILE *f = fopen(path, "r");
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	int rc;

	*out = NULL;
	if (!f)
		return ngb_err_set(e, -errno, "cannot open baseline '%s': %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	if (ferror(f) || sb.oom) {
		fclose(f);
		strbuf_release(&sb);
		return ngb_err_set(e, -EIO, "cannot read baseline '%s'", path);
	}
	fclose(f);
	rc = ngb_baseline_parse_len(sb.len ? sb.buf : "", sb.len, path, out, e);
	strbuf_release(&sb);
	return rc;
}
