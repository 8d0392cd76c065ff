/*
 * reports/emit.c - the report's machine formats, CSV and JSON, from the one
 * list of a cell's columns (column.c, which the tables also render), so
 * that a column exists in every format or in none: CSV has one column per
 * scalar and three per interval (lo, hi, level), JSON one key per column
 * (an interval as an object).  After the
 * columns both have the events the session counted and the derived metrics
 * its counters allow (JSON as the objects counters and derived);
 * JSON alone has the raw values of each cell (a list, not a column) and the
 * session, failures, events not counted and profiles as objects of their own.
 * Also the entry points that pick a format.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

/* A cell's parameters as an object, without the thread count (a field of
 * its own); null for none (a command). */
static json_t *jparams(const char *text)
{
	json_t *o = text ? json_loads(text, 0, NULL) : NULL;

	if (!json_is_object(o)) {
		json_decref(o);
		return json_null();
	}
	json_object_del(o, "threads");
	return o;
}

/* ---- CSV: one row per cell, numbers in full --------------------------------- */

static void csv_num(FILE *out, double v)
{
	fputc(',', out);
	if (!isnan(v))
		fprintf(out, "%.17g", v);
}

static int csv_params(FILE *out, const char *text)
{
	json_t *o = jparams(text);
	char *s = json_is_object(o) ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	int bad = json_is_object(o) && !s;

	put_csv(out, s);
	free(s);
	json_decref(o);
	return bad;
}

int report_write_csv(const struct ngb_report *r, FILE *out)
{
	size_t i, j, k;
	int bad = 0;

	fputs("format_version,session", out);
	for (k = 0; k < ncell_columns; k++) {
		if (cell_columns[k].kind == COL_CI)
			fprintf(out, ",%s_lo,%s_hi,%s_level", cell_columns[k].name, cell_columns[k].name,
				cell_columns[k].name);
		else
			fprintf(out, ",%s", cell_columns[k].name);
	}
	for (j = 0; j < r->nevents; j++) {
		fputs(",", out);
		put_csv(out, r->events[j]);
	}
	for (j = 0; j < NGB_NDERIVED; j++)
		if (r->derived_any[j])
			fprintf(out, ",%s", ngb_derived[j].id);
	fputs("\r\n", out);
	for (i = 0; i < r->ncells; i++) {
		const struct cell *c = &r->cells[i];

		fprintf(out, "%d,%lld", NGB_REPORT_FORMAT_VERSION, (long long)r->session_id);
		for (k = 0; k < ncell_columns; k++) {
			struct col_value v = cell_column_value(c, k);
			int have;

			switch (cell_columns[k].kind) {
			case COL_TEXT:
				fputc(',', out);
				put_csv(out, v.s);
				break;
			case COL_PARAMS:
				fputc(',', out);
				bad |= csv_params(out, v.s);
				break;
			case COL_INT:
			case COL_COUNT:
			case COL_BOOL:
				fprintf(out, ",%lld", v.i);
				break;
			case COL_NUM:
				csv_num(out, v.d);
				break;
			case COL_CI:
				have = v.ci->level > 0;
				csv_num(out, have ? v.ci->lo : NAN);
				csv_num(out, have ? v.ci->hi : NAN);
				csv_num(out, have ? v.ci->level : NAN);
				break;
			}
		}
		for (j = 0; j < r->nevents; j++)
			csv_num(out, c->ev_med[j]);
		for (j = 0; j < NGB_NDERIVED; j++)
			if (r->derived_any[j])
				csv_num(out, c->dv_med[j]);
		fputs("\r\n", out);
	}
	if (bad)
		return -ENOMEM;
	return ferror(out) ? -EIO : 0;
}

/* ---- JSON ------------------------------------------------------------------ */

static json_t *jinterval(const struct ngb_interval *ci)
{
	if (ci->level <= 0)
		return json_null();
	return json_pack("{s:o, s:o, s:o}", "lo", json_num(ci->lo), "hi", json_num(ci->hi), "level",
			 json_num(ci->level));
}

static json_t *jsession(const struct ngb_report *r)
{
	json_t *cfg = NULL, *s;

	if (r->config)
		cfg = json_loads(r->config, 0, NULL);
	s = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o}",
		      "id", (json_int_t)r->session_id, "label", json_text(r->label), "status",
		      json_text(r->status), "started_at", json_text(r->started_at), "finished_at",
		      json_text(r->finished_at), "host", json_text(r->host), "cpu_model", json_text(r->cpu_model),
		      "cores", r->cores, "kernel", json_text(r->kernel), "os", json_text(r->os), "libc",
		      json_text(r->libc), "ngbench_version", json_text(r->version), "git_commit",
		      json_text(r->commit), "command_line", json_text(r->command_line), "seed",
		      (json_int_t)r->seed, "config", cfg ? cfg : json_text(r->config));
	return s;
}

/* The profiles and RSS summaries, for JSON; NULL when the session has neither. */
static json_t *jprofile(const struct prof *p)
{
	json_t *o, *wl = json_array(), *al = json_array(), *rss = json_array(), *bins = json_array();
	size_t i, j;
	int bad = 0;   /* a value that could not be built fails the whole profile */

	for (i = 0; i < p->ngroups; i++) {
		const struct prof_group *g = &p->groups[i];

		bad |= json_array_append_new(wl, json_pack("{s:o, s:i, s:I, s:o, s:o, s:o, s:o}", "workload",
						    json_text(g->workload), "threads", g->threads,
						    "profile_trials", (json_int_t)g->ntrials,
						    "peak_live_bytes", json_num(g->peak_live),
						    "bytes_requested", json_num(g->requested),
						    "allocations", json_num(g->allocations),
						    "avg_request_bytes", json_num(g->avg_size)));
	}
	for (i = 0; i < p->nbins; i++)
		bad |= json_array_append_new(bins, json_pack("[o, o]", json_num(p->bin_lo[i]),
						      json_num(p->bin_hi[i])));
	for (i = 0; i < p->ncells; i++) {
		const struct prof_cell *c = &p->cells[i];
		json_t *m = json_object(), *f = json_object(), *sz = json_array();

		for (j = 0; j < PROF_NLAT; j++) {
			bad |= json_object_set_new(m, prof_lat_keys[j], json_num(c->malloc_ns[j]));
			bad |= json_object_set_new(f, prof_lat_keys[j], json_num(c->free_ns[j]));
		}
		for (j = 0; j < p->nbins; j++)
			bad |= json_array_append_new(sz, json_num(c->size_count[j]));
		bad |= json_array_append_new(al, json_pack("{s:o, s:i, s:o, s:I, s:o, s:o, s:o, s:o, s:o}",
						    "workload", json_text(c->workload), "threads",
						    c->threads, "allocator", json_text(c->allocator),
						    "profile_trials", (json_int_t)c->ntrials,
						    "fragmentation", json_num(c->frag), "blowup",
						    json_num(c->blowup), "malloc_ns", m, "free_ns", f,
						    "size_counts", sz));
	}
	for (i = 0; i < p->nrss; i++) {
		const struct rss_cell *c = &p->rss[i];

		bad |= json_array_append_new(rss, json_pack("{s:o, s:i, s:o, s:I, s:o, s:o, s:o, s:I}",
						     "workload", json_text(c->workload), "threads",
						     c->threads, "allocator", json_text(c->allocator),
						     "trials", (json_int_t)c->ntrials, "peak_rss_kb",
						     json_num(c->peak_kb), "end_rss_kb",
						     json_num(c->end_kb), "given_back",
						     json_num(c->given_back), "plotted_trial",
						     (json_int_t)c->rep_trial));
	}
	o = json_pack("{s:o, s:o, s:o, s:o}", "workloads", wl, "size_bins", bins, "allocators", al,
		      "rss", rss);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *cell_json(enum col_kind kind, struct col_value v)
{
	switch (kind) {
	case COL_TEXT: return json_text(v.s);
	case COL_PARAMS: return jparams(v.s);
	case COL_INT:
	case COL_COUNT: return json_integer(v.i);
	case COL_BOOL: return json_boolean(v.i);
	case COL_NUM: return json_num(v.d);
	case COL_CI: return jinterval(v.ci);
	}
	return NULL;
}

int report_write_json(const struct ngb_report *r, FILE *out, struct ngb_err *e)
{
	json_t *root, *cells = json_array(), *geo = json_array(), *fails = json_array();
	json_t *notes = json_array();
	size_t i, j, k;
	int rc, bad = 0;   /* a value that could not be built: an error, not a gap */

	for (i = 0; i < r->ncells; i++) {
		const struct cell *c = &r->cells[i];
		json_t *ctr = json_object(), *der = json_object(), *vals = json_array(), *cell;

		for (j = 0; j < r->nevents; j++)
			bad |= json_object_set_new(ctr, r->events[j], json_num(c->ev_med[j]));
		for (j = 0; j < NGB_NDERIVED; j++)
			if (r->derived_any[j])
				bad |= json_object_set_new(der, ngb_derived[j].id, json_num(c->dv_med[j]));
		for (j = 0; j < c->values.n; j++)
			bad |= json_array_append_new(vals, json_real(c->values.v[j]));
		cell = json_object();
		for (k = 0; cell && k < ncell_columns; k++)
			bad |= json_object_set_new(cell, cell_columns[k].name,
						   cell_json(cell_columns[k].kind, cell_column_value(c, k)));
		if (cell) {
			bad |= json_object_set_new(cell, "counters", ctr) |
			       json_object_set_new(cell, "derived", der) |
			       json_object_set_new(cell, "values", vals);
		} else {
			json_decref(ctr);
			json_decref(der);
			json_decref(vals);
		}
		bad |= json_array_append_new(cells, cell);
	}
	for (i = 0; i < r->ngeo; i++)
		bad |= json_array_append_new(geo, json_pack("{s:o, s:o, s:I}", "allocator",
						     json_text(r->geo[i].allocator), "speedup",
						     json_num(r->geo[i].value), "cells",
						     (json_int_t)r->geo[i].ncells));
	for (i = 0; i < r->nnotes; i++)
		bad |= json_array_append_new(notes, json_pack("{s:o, s:o, s:o, s:I}", "event",
						       json_text(r->notes[i].event), "status",
						       json_text(r->notes[i].status), "reason",
						       json_text(r->notes[i].reason), "trials",
						       (json_int_t)r->notes[i].count));
	for (i = 0; i < r->nfailures; i++) {
		const struct failure *f = &r->failures[i];

		bad |= json_array_append_new(fails,
			json_pack("{s:i, s:o, s:i, s:o, s:o, s:o, s:o, s:i, s:b, s:o}", "seq", f->seq,
				  "workload", json_text(f->workload), "threads", f->threads, "allocator",
				  json_text(f->allocator), "status", json_text(f->status), "reason",
				  json_text(f->reason), "exit_code",
				  f->has_exit ? json_integer(f->exit_code) : json_null(), "signal",
				  f->signal, "warmup", f->warmup, "stderr_tail",
				  json_text(f->stderr_tail)));
	}
	root = json_pack("{s:i, s:o, s:o, s:o, s:f, s:o, s:o, s:o, s:o}", "format_version",
			 NGB_REPORT_FORMAT_VERSION, "session", jsession(r), "baseline",
			 json_text(r->baseline), "baseline_note", json_text(r->baseline_note), "confidence",
			 r->conf, "cells", cells, "geomean", geo, "not_counted", notes, "failures",
			 fails);
	if (!root || bad) {
		json_decref(root);
		return ngb_err_set(e, -ENOMEM, "cannot build the JSON report");
	}
	/* only when there is something: a session without profiles reports as before */
	if (r->prof && json_object_set_new(root, "profile", jprofile(r->prof))) {
		json_decref(root);
		return ngb_err_set(e, -ENOMEM, "cannot build the JSON report");
	}
	rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(root);
	if (rc || ferror(out))
		return ngb_err_set(e, -EIO, "cannot write the JSON report");
	return 0;
}

/* ---- entry points ------------------------------------------------------------ */

int ngb_report_format_parse(const char *s, enum ngb_report_format *f)
{
	static const struct {
		const char *name;
		enum ngb_report_format f;
	} names[] = {
		{ "text", NGB_FORMAT_TEXT }, { "markdown", NGB_FORMAT_MARKDOWN },
		{ "md", NGB_FORMAT_MARKDOWN }, { "csv", NGB_FORMAT_CSV },
		{ "json", NGB_FORMAT_JSON }, { "html", NGB_FORMAT_HTML },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name)) {
			*f = names[i].f;
			return 0;
		}
	return -EINVAL;
}

const char *ngb_report_format_name(enum ngb_report_format f)
{
	switch (f) {
	case NGB_FORMAT_TEXT: return "text";
	case NGB_FORMAT_MARKDOWN: return "markdown";
	case NGB_FORMAT_CSV: return "csv";
	case NGB_FORMAT_JSON: return "json";
	case NGB_FORMAT_HTML: return "html";
	}
	return "?";
}

int ngb_report_write(const struct ngb_report *r, enum ngb_report_format f, FILE *out,
		     struct ngb_err *e)
{
	int rc = 0;

	switch (f) {
	case NGB_FORMAT_TEXT: rc = report_write_text(r, out); break;
	case NGB_FORMAT_MARKDOWN: rc = report_write_markdown(r, out); break;
	case NGB_FORMAT_CSV: rc = report_write_csv(r, out); break;
	case NGB_FORMAT_JSON: return report_write_json(r, out, e);
	case NGB_FORMAT_HTML:
		rc = report_write_html(r, NULL, NULL,
				       "plots are only in a report folder: 'ngbench report --output-dir=DIR'",
				       out);
		break;
	}
	if (rc)
		return ngb_err_set(e, rc, "cannot write the report");
	return 0;
}

int ngb_report_session_text(sqlite3 *db, int64_t session_id, FILE *out, struct ngb_err *e)
{
	struct ngb_report *r;
	int rc = ngb_report_load(db, session_id, NULL, &r, e);

	if (rc)
		return rc;
	rc = ngb_report_write(r, NGB_FORMAT_TEXT, out, e);
	ngb_report_free(r);
	return rc;
}
