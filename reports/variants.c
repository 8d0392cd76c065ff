/*
 * reports/variants.c - one workload run with several parameter sets in one
 * session (an experiment's jobs: larson with min-size=8 and with
 * min-size=512), or in several counter modes, is several cells, not one.
 *
 * The loader asks SQLite for ngb_cell_workload(workload, params, mode)
 * wherever it would group by the workload (mode: the store's counter-mode
 * rule of query.c, which the baseline also keys cells by): the workload's
 * name, followed, when the session ran it with more than one parameter set,
 * by the parameters whose values differ between those sets ("threadtest
 * iterations=40"), and, when it ran it in more than one mode, by "(sim)" for
 * the runs under cachegrind, whose wall time under valgrind is no time of
 * the program's, and "(no counters)" for timed runs without counters beside
 * timed runs with them (perfmon's overhead experiment).  Parameters common to all sets,
 * and the thread count (a column of its own), are left out, so a session of
 * one parameter set and one mode per workload reads as before.  Only timing
 * trials define the variants; a profile trial (no counters, mode NULL) takes
 * the label of its parameter set's timing runs.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "query.h"

/* The modes, in the order a profile trial prefers them. */
enum { MODE_HW, MODE_NONE, MODE_SIM, NMODES };
static const char *const mode_names[NMODES] = { "hw", "none", "sim" };
static const char *const mode_suffix[NMODES] = { "", " (no counters)", " (sim)" };

static int mode_of(const char *name)
{
	int m;

	for (m = 0; name && m < NMODES; m++)
		if (!strcmp(name, mode_names[m]))
			return m;
	return -1;
}

struct variant {
	char *workload, *params, *label;
	int mode;
};

struct variants {
	struct variant *v;
	size_t n;
};

static void variants_free(struct variants *vs)
{
	size_t i;

	if (!vs)
		return;
	for (i = 0; i < vs->n; i++)
		free(vs->v[i].workload), free(vs->v[i].params), free(vs->v[i].label);
	free(vs->v);
	free(vs);
}

/* The value of key in a params object as text ("" when absent). */
static const char *param_text(json_t *o, const char *key)
{
	json_t *x = o ? json_object_get(o, key) : NULL;

	return x && json_is_string(x) ? json_string_value(x) : "";
}

/* Labels the variants [lo, hi) of one workload, which has several. */
static int label_workload(struct variant *v, size_t lo, size_t hi)
{
	int modes = 0;
	json_t **obj = calloc(hi - lo, sizeof(*obj));
	const char **keys = NULL;
	size_t i, k, nkeys = 0;
	int rc = 0;

	if (!obj)
		return -ENOMEM;
	for (i = lo; i < hi; i++)
		modes |= 1 << v[i].mode;
	for (i = lo; i < hi && !rc; i++) {
		const char *key;
		json_t *val;

		obj[i - lo] = json_loads(v[i].params, 0, NULL);
		if (!json_is_object(obj[i - lo]))
			continue;
		json_object_foreach (obj[i - lo], key, val) {
			int seen = !strcmp(key, "threads");
			const char **nk;

			(void)val;
			for (k = 0; k < nkeys; k++)
				seen |= !strcmp(keys[k], key);
			if (seen)
				continue;
			nk = realloc(keys, (nkeys + 1) * sizeof(*keys));
			if (!nk) {
				rc = -ENOMEM;
				break;
			}
			keys = nk;
			keys[nkeys++] = key;  /* owned by obj[i - lo], alive until the end */
		}
	}
	for (i = lo; i < hi && !rc; i++) {
		char *label = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&label, &len);

		if (!f) {
			rc = -ENOMEM;
			break;
		}
		fputs(v[i].workload, f);
		for (k = 0; k < nkeys; k++) {
			const char *mine = param_text(obj[i - lo], keys[k]);
			size_t j;
			int differs = 0;

			for (j = lo; j < hi; j++)
				differs |= strcmp(mine, param_text(obj[j - lo], keys[k])) != 0;
			if (differs)
				fprintf(f, " %s=%s", keys[k], mine);
		}
		/* parameters that do not parse still tell the variants apart */
		if (!json_is_object(obj[i - lo]))
			fprintf(f, " %s", v[i].params);
		/* (sim) beside any other mode, (no counters) beside counted runs */
		if (modes != 1 << v[i].mode && (v[i].mode != MODE_NONE || modes & 1 << MODE_HW))
			fputs(mode_suffix[v[i].mode], f);
		if (fclose(f) || !label) {
			free(label);
			rc = -ENOMEM;
			break;
		}
		v[i].label = label;
	}
	free(keys);
	for (i = lo; i < hi; i++)
		json_decref(obj[i - lo]);
	free(obj);
	return rc;
}

static void cell_workload_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct variants *vs = sqlite3_user_data(ctx);
	const char *wl = (const char *)sqlite3_value_text(argv[0]);
	const char *params = (const char *)sqlite3_value_text(argv[1]);
	int mode = mode_of((const char *)sqlite3_value_text(argv[2]));
	const struct variant *best = NULL;
	size_t i;

	(void)argc;
	if (wl && params)
		for (i = 0; i < vs->n; i++) {
			const struct variant *v = &vs->v[i];

			if (!v->label || strcmp(v->workload, wl) || strcmp(v->params, params))
				continue;
			if (v->mode == mode) {
				best = v;
				break;
			}
			/* a profile trial: the preferred mode of its parameter set */
			if (mode < 0 && (!best || v->mode < best->mode))
				best = v;
		}
	if (best)
		sqlite3_result_text(ctx, best->label, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_value(ctx, argv[0]);
}

int variants_register(sqlite3 *db, int64_t sid, struct ngb_err *e)
{
	struct variants *vs = calloc(1, sizeof(*vs));
	sqlite3_stmt *s;
	size_t lo, hi, cap = 0;
	int rc;

	if (!vs)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	if (query_prepare(db, Q_CELL_VARIANTS, &s) != SQLITE_OK) {
		variants_free(vs);
		return ngb_err_set(e, -EIO, "cannot read the trials: %s", sqlite3_errmsg(db));
	}
	sqlite3_bind_int64(s, 1, sid);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *wl = (const char *)sqlite3_column_text(s, 0);
		const char *params = (const char *)sqlite3_column_text(s, 1);

		if (vs->n == cap) {
			size_t nc = cap ? 2 * cap : 16;
			struct variant *v = realloc(vs->v, nc * sizeof(*v));

			if (!v)
				break;
			vs->v = v;
			cap = nc;
		}
		vs->v[vs->n] = (struct variant){ rep_strdup(wl ? wl : ""),
						 rep_strdup(params ? params : ""), NULL,
						 mode_of((const char *)sqlite3_column_text(s, 2)) };
		if (vs->v[vs->n].mode < 0)
			vs->v[vs->n].mode = MODE_HW;  /* not reached: the mode rule has three */
		if (!vs->v[vs->n].workload || !vs->v[vs->n++].params)
			break;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		variants_free(vs);
		return rc == SQLITE_ROW ? ngb_err_set(e, -ENOMEM, "out of memory")
					: ngb_err_set(e, -EIO, "cannot read the trials: %s",
						      sqlite3_errmsg(db));
	}
	for (lo = 0; lo < vs->n; lo = hi) {
		for (hi = lo + 1; hi < vs->n && !strcmp(vs->v[hi].workload, vs->v[lo].workload);
		     hi++)
			;
		if (hi - lo > 1 && label_workload(vs->v, lo, hi)) {
			variants_free(vs);
			return ngb_err_set(e, -ENOMEM, "out of memory");
		}
	}
	rc = sqlite3_create_function_v2(db, "ngb_cell_workload", 3,
					SQLITE_UTF8 | SQLITE_DETERMINISTIC, vs, cell_workload_fn,
					NULL, NULL, (void (*)(void *))variants_free);
	if (rc != SQLITE_OK)
		return ngb_err_set(e, -EIO, "cannot register a function: %s", sqlite3_errmsg(db));
	return 0;
}

void variants_unregister(sqlite3 *db)
{
	sqlite3_create_function_v2(db, "ngb_cell_workload", 3, SQLITE_UTF8, NULL, NULL, NULL, NULL,
				   NULL);
}
