/*
 * harness/profile.c - reads what the profiling shim (allocators/profile/
 * shim.c) wrote at the end of a profile trial, and derives the values the
 * Hoard paper characterizes a workload by (Berger et al., ASPLOS 2000,
 * section 2): fragmentation (peak memory from the system over peak live
 * requested memory), bytes and calls per operation, and latency percentiles.
 *
 * The file, version 1, is text: a first line "ngbench-profile=1", lines
 * "key=value" (keys [a-z0-9_.-]+, values without spaces), lines
 * "hist NAME LO HI COUNT" (COUNT values in [LO, HI)), and a last line "end",
 * without which the file is truncated (the child died while writing it).
 * Blowup needs the best allocator for the same workload, so it belongs to
 * reports, not to one trial.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PROFILE_VERSION 1
#define PROFILE_MAX_BYTES (4 * 1024 * 1024)

static int valid_key(const char *k, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_.-", k[i]) || !k[i])
			return 0;
	return 1;
}

/* A whole unsigned decimal number, as the shim writes them. */
static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

void profile_release(struct profile *p)
{
	size_t i;

	strvec_clear(&p->pairs);
	for (i = 0; i < p->nbins; i++)
		free(p->bins[i].name);
	free(p->bins);
	memset(p, 0, sizeof(*p));
}

static void set_pair(struct profile *p, const char *key, const char *value)
{
	size_t klen = strlen(key), i;

	for (i = 0; i < p->pairs.n; i++) {
		if (!strncmp(p->pairs.v[i], key, klen) && p->pairs.v[i][klen] == '=') {
			free(p->pairs.v[i]);
			p->pairs.v[i] = xasprintf("%s=%s", key, value);
			return;
		}
	}
	strvec_pushf(&p->pairs, "%s=%s", key, value);
}

static void set_number(struct profile *p, const char *key, double v)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.10g", v);
	set_pair(p, key, buf);
}

const char *profile_value(const struct profile *p, const char *key)
{
	size_t klen = strlen(key), i;

	for (i = 0; i < p->pairs.n; i++)
		if (!strncmp(p->pairs.v[i], key, klen) && p->pairs.v[i][klen] == '=')
			return p->pairs.v[i] + klen + 1;
	return NULL;
}

int profile_number(const struct profile *p, const char *key, double *out)
{
	const char *v = profile_value(p, key);

	return v && parse_double(v, out) == 0 ? 0 : -1;
}

static int parse_hist(struct profile *p, char *line, char **why, int lineno)
{
	char *save = NULL, *name, *f[3];
	uint64_t lo, hi, count;
	int i;

	strtok_r(line, " ", &save);
	name = strtok_r(NULL, " ", &save);
	for (i = 0; i < 3; i++)
		f[i] = strtok_r(NULL, " ", &save);
	if (!name || !f[2] || strtok_r(NULL, " ", &save) || !valid_key(name, strlen(name)) ||
	    parse_u64(f[0], &lo) || parse_u64(f[1], &hi) || parse_u64(f[2], &count) || lo >= hi) {
		*why = xasprintf("line %d: malformed histogram bin (expected 'hist NAME LO HI COUNT' "
				 "with LO < HI)", lineno);
		return -1;
	}
	p->bins = xrealloc(p->bins, (p->nbins + 1) * sizeof(*p->bins));
	p->bins[p->nbins].name = xstrdup(name);
	p->bins[p->nbins].lo = (double)lo;
	p->bins[p->nbins].hi = (double)hi;
	p->bins[p->nbins].count = count;
	p->nbins++;
	return 0;
}

int profile_parse(const char *text, size_t len, struct profile *p, char **why)
{
	const char *s = text, *end = text + len;
	int lineno = 0, ended = 0, rc = 0;

	memset(p, 0, sizeof(*p));
	*why = NULL;
	while (s < end && rc == 0) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = (size_t)((nl ? nl : end) - s);
		char *line = xmalloc(n + 1), *eq;

		memcpy(line, s, n);
		line[n] = '\0';
		s = nl ? nl + 1 : end;
		lineno++;
		if (memchr(line, '\0', n) || (!nl && n)) {
			*why = xasprintf("line %d: %s", lineno, !nl ? "no final newline (truncated)"
								 : "a NUL byte");
			rc = -1;
		} else if (ended) {
			*why = xasprintf("line %d: text after 'end'", lineno);
			rc = -1;
		} else if (lineno == 1) {
			uint64_t v;

			if (strncmp(line, "ngbench-profile=", 16) || parse_u64(line + 16, &v)) {
				*why = xstrdup("not a profile: the first line is not 'ngbench-profile=N'");
				rc = -1;
			} else if (v != PROFILE_VERSION) {
				*why = xasprintf("profile format %llu is not supported (this ngbench "
						 "reads %d)", (unsigned long long)v, PROFILE_VERSION);
				rc = -1;
			}
		} else if (!strcmp(line, "end")) {
			ended = 1;
		} else if (!strncmp(line, "hist ", 5)) {
			rc = parse_hist(p, line, why, lineno);
		} else if ((eq = strchr(line, '=')) && valid_key(line, (size_t)(eq - line)) &&
			   eq[1] && !strpbrk(eq + 1, " \t\r")) {
			*eq = '\0';
			if (profile_value(p, line)) {
				*why = xasprintf("line %d: key '%s' given twice", lineno, line);
				rc = -1;
			} else {
				*eq = '=';
				strvec_push(&p->pairs, line);
			}
		} else {
			*why = xasprintf("line %d: malformed (expected key=value, 'hist ...' or 'end')",
					 lineno);
			rc = -1;
		}
		free(line);
	}
	if (rc == 0 && lineno == 0) {
		*why = xstrdup("the profile is empty");
		rc = -1;
	} else if (rc == 0 && !ended) {
		*why = xstrdup("the profile has no 'end' line (truncated)");
		rc = -1;
	}
	if (rc) {
		profile_release(p);
		return -1;
	}
	p->present = 1;
	return 0;
}

int profile_read_file(const char *path, struct profile *p, char **why)
{
	FILE *f = fopen(path, "r");
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	size_t n;
	int rc;

	memset(p, 0, sizeof(*p));
	if (!f) {
		*why = xasprintf("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && sb.len <= PROFILE_MAX_BYTES)
		strbuf_add(&sb, buf, n);
	fclose(f);
	if (sb.len > PROFILE_MAX_BYTES) {
		strbuf_release(&sb);
		*why = xasprintf("'%s' is larger than %d bytes", path, PROFILE_MAX_BYTES);
		return -1;
	}
	if (sb.len == 0) {
		strbuf_release(&sb);
		*why = xasprintf("'%s' is empty: the profiled program did not reach its exit "
				 "(killed, or ended with _exit)", path);
		return -1;
	}
	rc = profile_parse(sb.buf, sb.len, p, why);
	strbuf_release(&sb);
	return rc;
}

static int bin_cmp(const void *a, const void *b)
{
	const struct profile_bin *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/*
 * The q-quantile (0 < q <= 1) of histogram `name`: the bin holding the
 * ceil(q * N)-th value, linearly interpolated inside it (the shim's latency
 * bins are an eighth of an octave wide, so the error is at most 9%), and
 * never above `max` when given (>= 0).  -1 when the histogram is empty.
 */
int profile_quantile(struct profile *p, const char *name, double q, double max, double *out)
{
	uint64_t total = 0, rank, seen = 0;
	size_t i;

	if (p->nbins) /* qsort(NULL, 0) is undefined */
		qsort(p->bins, p->nbins, sizeof(*p->bins), bin_cmp);
	for (i = 0; i < p->nbins; i++)
		if (!strcmp(p->bins[i].name, name))
			total += p->bins[i].count;
	if (total == 0 || q <= 0 || q > 1)
		return -1;
	rank = (uint64_t)ceil(q * (double)total);
	if (rank == 0)
		rank = 1;
	for (i = 0; i < p->nbins; i++) {
		const struct profile_bin *b = &p->bins[i];

		if (strcmp(b->name, name))
			continue;
		if (seen + b->count >= rank) {
			double v = b->lo + (b->hi - b->lo) * (double)(rank - seen) / (double)b->count;

			*out = max >= 0 && v > max ? max : v;
			return 0;
		}
		seen += b->count;
	}
	return -1; /* not reached: rank <= total */
}

/* The workload's count of operations: the first of these its record has. */
static const char *const op_keys[] = { "ops", "objects", "iterations" };

void profile_derive(struct profile *p, const struct result_record *rec, long maxrss_kb)
{
	static const char *const alloc_calls[] = {
		"calls.malloc", "calls.calloc", "calls.realloc", "calls.reallocarray",
		"calls.memalign", "calls.posix_memalign", "calls.aligned_alloc", "calls.valloc",
		"calls.pvalloc", "calls.operator_new",
	};
	static const char *const lat[] = { "malloc_ticks", "free_ticks" };
	static const struct { const char *suffix; double q; } quantiles[] = {
		{ "p50", 0.50 }, { "p99", 0.99 }, { "p999", 0.999 },
	};
	double allocs = 0, v, nfree = 0, bytes = 0, peak, shim = 0, hz = 0, ops, max, hdr, objects;
	size_t i, k;
	int j;

	for (i = 0; i < sizeof(alloc_calls) / sizeof(*alloc_calls); i++)
		if (profile_number(p, alloc_calls[i], &v) == 0)
			allocs += v;
	profile_number(p, "calls.free", &nfree);
	if (profile_number(p, "calls.operator_delete", &v) == 0)
		nfree += v;
	set_number(p, "allocations", allocs);
	set_number(p, "calls", allocs + nfree);
	if (profile_number(p, "bytes_requested", &bytes) == 0 && allocs > 0)
		set_number(p, "avg_request_bytes", bytes / allocs);

	profile_number(p, "tick_hz", &hz);
	for (i = 0; i < sizeof(lat) / sizeof(*lat); i++) {
		char *maxkey = xasprintf("%s.max", lat[i]);

		if (profile_number(p, maxkey, &max))
			max = -1;
		free(maxkey);
		for (k = 0; k < sizeof(quantiles) / sizeof(*quantiles); k++) {
			char *key;

			if (profile_quantile(p, lat[i], quantiles[k].q, max, &v))
				continue;
			key = xasprintf("%s.%s", lat[i], quantiles[k].suffix);
			set_number(p, key, v);
			free(key);
			if (hz > 0) {
				/* "malloc_ticks" -> "malloc_ns" */
				key = xasprintf("%.*s_ns.%s", (int)(strlen(lat[i]) - 6), lat[i],
						quantiles[k].suffix);
				set_number(p, key, v * 1e9 / hz);
				free(key);
			}
		}
		if (hz > 0 && max >= 0) {
			char *key = xasprintf("%.*s_ns.max", (int)(strlen(lat[i]) - 6), lat[i]);

			set_number(p, key, max * 1e9 / hz);
			free(key);
		}
	}

	/*
	 * Hoard's fragmentation, with the shim's own memory taken out of the
	 * RSS, and the headers it puts in front of each block (header_bytes
	 * for each of the peak live objects: an estimate, since a header can
	 * also move a request into a larger size class)
	 */
	profile_number(p, "shim_peak_bytes", &shim);
	if (profile_number(p, "header_bytes", &hdr) == 0 &&
	    profile_number(p, "peak_live_objects", &objects) == 0)
		shim += hdr * objects;
	if (maxrss_kb > 0 && profile_number(p, "peak_live_bytes", &peak) == 0 && peak > 0) {
		double rss = (double)maxrss_kb * 1024 - shim;

		if (rss > 0) {
			set_number(p, "peak_rss_bytes", rss);
			set_number(p, "fragmentation", rss / peak);
		}
	}

	for (i = 0; rec && rec->present && i < sizeof(op_keys) / sizeof(*op_keys); i++) {
		for (j = 0; j < rec->nextra; j++) {
			if (strcmp(rec->keys[j], op_keys[i]) || parse_double(rec->values[j], &ops) ||
			    ops <= 0)
				continue;
			set_pair(p, "op_key", op_keys[i]);
			set_number(p, "ops", ops);
			set_number(p, "calls_per_op", (allocs + nfree) / ops);
			if (profile_value(p, "bytes_requested"))
				set_number(p, "bytes_per_op", bytes / ops);
			return;
		}
	}
}

char *profile_shim_path(void)
{
	return xasprintf("%s/libngbench-profile.so", ngb_paths()->allocator_dir);
}
