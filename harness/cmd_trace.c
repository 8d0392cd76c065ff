/*
 * harness/cmd_trace.c - ngbench trace: record a program's allocation calls
 * into a trace file, tell what a trace holds, convert other tools' traces.
 *
 *   ngbench trace record [-o FILE] [--no-compress] -- COMMAND [ARGS]
 *   ngbench trace info [--format=text|json] [--plots=DIR] FILE
 *   ngbench trace convert --from=mtrace [-o FILE] [--no-compress] INPUT
 *
 * record runs COMMAND with libngbench-trace.so preloaded and
 * $NGBENCH_TRACE_DIR set to a private folder next to FILE, where each
 * process of the command writes its raw chunks; when the command has
 * ended, each process's raw file becomes one trace (the command's own
 * process: FILE; any other: FILE.PID) and the folder is removed.  The
 * format: docs/trace-format.md; the replay: workloads/replay.c.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "../lib/options.h"
#include "ngbench/report.h"
#include "ngbench/trace.h"
#include "ngbench/utf8.h"

static const char trace_synopsis[] =
	"usage: ngbench trace record [-o FILE] [--no-compress] -- COMMAND [ARGS...]\n"
	"       ngbench trace info [--format=text|json] [--plots=DIR] FILE\n"
	"       ngbench trace convert --from=mtrace [-o FILE] [--no-compress] INPUT\n"
	"\n"
	"Allocation traces: record every allocation call of a program (and of its\n"
	"threads and forked processes) once, then replay it under any allocator with\n"
	"'ngbench run -w replay --set trace=FILE -a all'.\n"
	"\n"
	"  record   runs COMMAND with the recorder preloaded; writes FILE (default\n"
	"           ngbench.trace) for COMMAND's process and FILE.PID for each other\n"
	"           process it forked or executed; prints what it wrote and how long\n"
	"           COMMAND took; exits with COMMAND's status when that is not 0\n"
	"  info     calls by kind, threads, cross-thread frees, the size and lifetime\n"
	"           histograms, peak live bytes and objects; with --plots=DIR also\n"
	"           their plots (gnuplot data, scripts, SVG and PNG): the sizes as in\n"
	"           a profile, the lifetimes in calls and in time, the live memory\n"
	"  convert  glibc's mtrace(3) output (MALLOC_TRACE=file) into a trace\n"
	"\n";

static const char trace_epilogue[] =
	"The format is in docs/trace-format.md.\n";

static char *recorder_path(void)
{
	return xasprintf("%s/libngbench-trace.so", ngb_paths()->allocator_dir);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long long file_bytes(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

struct raw_file {
	char *name;
	long pid;
	long k;
};

static int cmp_raw(const void *a, const void *b)
{
	const struct raw_file *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->k > y->k) - (x->k < y->k);
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d)) != NULL) {
			char *p;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			p = xasprintf("%s/%s", dir, de->d_name);
			unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

static int trace_record(int argc, const char **argv, const char *out, int compress)
{
	char *lib = recorder_path(), *dir, *preload;
	const char *old_preload = getenv("LD_PRELOAD");
	struct strbuf cmdline = STRBUF_INIT, meta = STRBUF_INIT;
	struct raw_file *files = NULL;
	size_t nfiles = 0;
	DIR *d;
	struct dirent *de;
	pid_t pid;
	int status, rc = 0, exit_rc = 0;
	double t0, t1;
	struct rusage ru;
	char host[256] = "";

	if (access(lib, R_OK) != 0) {
		error("the recorder '%s' is missing: build ngbench first ('make')", lib);
		free(lib);
		return 1;
	}
	if (make_parent_dir(out) < 0) {
		error("cannot create the folder of '%s': %s", out, strerror(errno));
		free(lib);
		return 1;
	}
	dir = xasprintf("%s.raw.XXXXXX", out);
	if (!mkdtemp(dir)) {
		error("cannot create a folder next to '%s' for the raw records: %s", out,
		      strerror(errno));
		free(lib);
		free(dir);
		return 1;
	}
	preload = old_preload && *old_preload ? xasprintf("%s:%s", lib, old_preload) : xstrdup(lib);
	for (int i = 0; i < argc; i++) {
		if (i)
			strbuf_addch(&cmdline, ' ');
		strbuf_add_shell_quoted(&cmdline, argv[i]);
	}
	t0 = now_s();
	pid = fork();
	if (pid < 0) {
		rc = error("cannot fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		setenv(NGB_RAW_ENV, dir, 1);
		setenv("LD_PRELOAD", preload, 1);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "ngbench: error: cannot execute '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	signal(SIGINT, SIG_IGN);   /* the command gets it; we convert what it recorded */
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			rc = error("cannot wait for '%s': %s", argv[0], strerror(errno));
			goto out;
		}
	}
	t1 = now_s();
	signal(SIGINT, SIG_DFL);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		rc = error("'%s' could not be executed (exit 127): nothing recorded", argv[0]);
		goto out;
	}
	if (WIFSIGNALED(status)) {
		warning("'%s' was killed by signal %d: the trace holds what was written before",
			argv[0], WTERMSIG(status));
		exit_rc = 128 + WTERMSIG(status);
	} else if (WEXITSTATUS(status)) {
		warning("'%s' exited with status %d", argv[0], WEXITSTATUS(status));
		exit_rc = WEXITSTATUS(status);
	}
	fprintf(stderr, "ngbench: '%s' ran %.3f s under the recorder (user %.3f s, sys %.3f s, "
		"max RSS %ld KiB)\n", strbuf_str(&cmdline), t1 - t0,
		ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
		ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss);

	d = opendir(dir);
	if (!d) {
		rc = error("cannot read '%s': %s", dir, strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		long p, k;
		int n = 0;

		if (sscanf(de->d_name, "raw.%ld.%ld%n", &p, &k, &n) != 2 || de->d_name[n])
			continue;
		files = xrealloc(files, (nfiles + 1) * sizeof(*files));
		files[nfiles].name = xasprintf("%s/%s", dir, de->d_name);
		files[nfiles].pid = p;
		files[nfiles++].k = k;
	}
	closedir(d);
	if (!nfiles) {
		rc = error("'%s' recorded nothing: is it a static or set-uid program (the recorder "
			   "is preloaded with LD_PRELOAD)?", argv[0]);
		goto out;
	}
	qsort(files, nfiles, sizeof(*files), cmp_raw);
	gethostname(host, sizeof(host) - 1);
	strbuf_addf(&meta, "source=ngbench trace record\ncommand=%s\nhost=%s\nrecorded_s=%.6f\n",
		    strbuf_str(&cmdline), host, t1 - t0);
	for (size_t i = 0; i < nfiles; i++) {
		struct ngb_trace_summary s;
		struct ngb_err e;
		char *path;
		long long bytes;

		if (files[i].pid == (long)pid && files[i].k == 0)
			path = xstrdup(out);
		else if (files[i].k == 0)
			path = xasprintf("%s.%ld", out, files[i].pid);
		else
			path = xasprintf("%s.%ld.%ld", out, files[i].pid, files[i].k);
		if (ngb_trace_from_raw(files[i].name, path, compress, strbuf_str(&meta), &s, &e) < 0) {
			error("%s", e.msg);
			rc = -1;
			free(path);
			continue;
		}
		bytes = file_bytes(path);
		printf("%s: process %u, %u thread%s, %llu calls, %llu slots, %lld bytes (%.2f bytes a "
		       "call)%s\n", path, s.pid, s.nthreads, s.nthreads == 1 ? "" : "s",
		       (unsigned long long)s.nevents, (unsigned long long)s.nslots, bytes,
		       s.nevents ? (double)bytes / (double)s.nevents : 0.0,
		       s.flags & NGB_TRACE_ZSTD ? ", zstd" : "");
		if (s.dropped_frees)
			printf("%s: %llu frees of blocks allocated before the recording (or around the "
			       "recorder) were left out\n", path, (unsigned long long)s.dropped_frees);
		free(path);
	}
out:
	for (size_t i = 0; i < nfiles; i++)
		free(files[i].name);
	free(files);
	remove_dir(dir);
	free(dir);
	free(lib);
	free(preload);
	strbuf_release(&cmdline);
	strbuf_release(&meta);
	if (rc < 0)
		return 1;
	return exit_rc;
}

/* ---- info ------------------------------------------------------------------ */

static void print_hist(const char *title, const char *unit, const uint64_t *h)
{
	uint64_t total = 0;

	for (unsigned b = 0; b < NGB_TRACE_HBINS; b++)
		total += h[b];
	printf("\n%s (%llu)\n", title, (unsigned long long)total);
	for (unsigned b = 0; b < NGB_TRACE_HBINS; b++) {
		uint64_t lo, hi;
		int bar;

		if (!h[b])
			continue;
		ngb_trace_hist_bounds(b, &lo, &hi);
		bar = total ? (int)(40.0 * (double)h[b] / (double)total + 0.5) : 0;
		printf("  [%llu, %llu) %s  %12llu  %5.1f%%  %.*s\n", (unsigned long long)lo,
		       (unsigned long long)hi, unit, (unsigned long long)h[b],
		       100.0 * (double)h[b] / (double)total, bar,
		       "########################################");
	}
}

static json_t *json_hist(const uint64_t *h)
{
	json_t *a = json_array();

	for (unsigned b = 0; b < NGB_TRACE_HBINS; b++) {
		uint64_t lo, hi;

		if (!h[b])
			continue;
		ngb_trace_hist_bounds(b, &lo, &hi);
		json_array_append_new(a, json_pack("{s:I, s:I, s:I}", "lo", (json_int_t)lo, "hi",
						   (json_int_t)(hi > INT64_MAX ? INT64_MAX : hi),
						   "count", (json_int_t)h[b]));
	}
	return a;
}

/* The points of the live timeline that info plots. */
#define LIVE_POINTS 2000

/* Writes the plots into dir; the files written (and, without gnuplot, why
 * they were not rendered) are added to plots (a JSON array) when it is not
 * NULL, else printed. */
static int info_plots(const struct ngb_trace_stats *in, const char *path, const char *dir,
		      json_t *plots)
{
	struct ngb_report_files files = { 0 };
	const char *base = strrchr(path, '/');
	struct ngb_err e;
	int rc;

	rc = ngb_trace_plots(in, base ? base + 1 : path, dir, &files, &e);
	if (rc < 0)
		error("%s", e.msg);
	for (size_t i = 0; i < files.n; i++)
		if (plots)
			json_array_append_new(plots, json_string(files.paths[i]));
	if (!plots && !rc) {
		printf("\nplots in %s:", dir);
		const char *ext = files.plots_rendered ? ".svg" : ".gp";

		for (size_t i = 0; i < files.n; i++) {
			size_t n = strlen(files.paths[i]);

			if (n > strlen(ext) && !strcmp(files.paths[i] + n - strlen(ext), ext))
				printf(" %s", files.paths[i] + strlen(dir) + 1);
		}
		printf("%s\n", files.plots_rendered ? "" : " (not rendered)");
	}
	if (files.plots_note)
		fprintf(stderr, "ngbench: %s\n", files.plots_note);
	ngb_report_files_release(&files);
	return rc;
}

static int trace_info(const char *path, int json, const char *plot_dir)
{
	struct ngb_trace t;
	struct ngb_err e;
	struct ngb_trace_stats in;
	uint64_t frees;
	int rc = 0;

	if (ngb_trace_load(path, NGB_TRACE_LOAD_TIMES, &t, &e) < 0)
		return fail(1, "%s", e.msg);
	if (ngb_trace_stats(&t, plot_dir ? LIVE_POINTS : 0, &in, &e) < 0) {
		ngb_trace_release(&t);
		return fail(1, "%s", e.msg);
	}
	frees = in.frees;
	if (json) {
		json_t *j = json_object(), *calls = json_object(), *threads = json_array();
		int bad = 0;
		char *s;

		json_object_set_new(j, "format_version", json_integer(1));
		/* a path or meta text that is no UTF-8 is shown with U+FFFD, never left out */
		bad |= json_object_set_new(j, "file", ngb_json_text(path));
		json_object_set_new(j, "trace_version", json_integer(t.sum.version));
		json_object_set_new(j, "compressed", json_boolean(t.sum.flags & NGB_TRACE_ZSTD));
		json_object_set_new(j, "pid", json_integer(t.sum.pid));
		json_object_set_new(j, "threads", json_integer(t.sum.nthreads));
		json_object_set_new(j, "calls_total", json_integer((json_int_t)t.sum.nevents));
		for (unsigned k = 0; k < NGB_TK_COUNT; k++)
			if (in.calls[k])
				json_object_set_new(calls, ngb_trace_kind_name(k),
						    json_integer((json_int_t)in.calls[k]));
		json_object_set_new(j, "calls", calls);
		for (uint32_t i = 0; i < t.sum.nthreads; i++)
			json_array_append_new(threads, json_pack("{s:i, s:I}", "serial",
								 (int)t.threads[i].serial, "calls",
								 (json_int_t)t.threads[i].nevents));
		json_object_set_new(j, "per_thread", threads);
		json_object_set_new(j, "cross_thread_frees", json_integer((json_int_t)in.cross_frees));
		json_object_set_new(j, "waits", json_integer((json_int_t)in.waits));
		json_object_set_new(j, "failed", json_integer((json_int_t)in.failed));
		json_object_set_new(j, "null_frees", json_integer((json_int_t)in.null_frees));
		json_object_set_new(j, "dropped_frees", json_integer((json_int_t)t.sum.dropped_frees));
		json_object_set_new(j, "allocations", json_integer((json_int_t)in.allocations));
		json_object_set_new(j, "bytes_requested", json_integer((json_int_t)in.bytes_requested));
		json_object_set_new(j, "peak_live_bytes", json_integer((json_int_t)in.peak_bytes));
		json_object_set_new(j, "peak_live_objects", json_integer((json_int_t)in.peak_objects));
		json_object_set_new(j, "never_freed_objects", json_integer((json_int_t)in.never_freed));
		json_object_set_new(j, "never_freed_bytes",
				    json_integer((json_int_t)in.never_freed_bytes));
		json_object_set_new(j, "slots", json_integer((json_int_t)t.sum.nslots));
		json_object_set_new(j, "duration_us", json_integer((json_int_t)t.sum.duration_us));
		json_object_set_new(j, "size_histogram", json_hist(in.size_hist));
		json_object_set_new(j, "lifetime_calls_histogram", json_hist(in.life_calls));
		json_object_set_new(j, "lifetime_us_histogram", json_hist(in.life_us));
		bad |= json_object_set_new(j, "meta", ngb_json_text_or_null(t.sum.meta));
		if (plot_dir) {
			json_t *plots = json_array();

			rc = info_plots(&in, path, plot_dir, plots);
			json_object_set_new(j, "plots", plots);
		}
		s = bad ? NULL : json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (s)
			puts(s);
		free(s);
		json_decref(j);
		if (!s) {
			ngb_trace_release(&t);
			return fail(1, "cannot format JSON: out of memory");
		}
	} else {
		printf("trace %s: format version %u%s, process %u, %u thread%s, %llu calls, "
		       "%.3f s recorded\n", path, t.sum.version,
		       t.sum.flags & NGB_TRACE_ZSTD ? " (zstd)" : "", t.sum.pid, t.sum.nthreads,
		       t.sum.nthreads == 1 ? "" : "s", (unsigned long long)t.sum.nevents,
		       (double)t.sum.duration_us / 1e6);
		printf("\ncalls by kind\n");
		for (unsigned k = 0; k < NGB_TK_COUNT; k++)
			if (in.calls[k])
				printf("  %-24s %12llu\n", ngb_trace_kind_name(k),
				       (unsigned long long)in.calls[k]);
		printf("\nthreads\n");
		for (uint32_t i = 0; i < t.sum.nthreads; i++)
			printf("  thread %-5u (recorder serial %u) %12llu calls\n", i,
			       t.threads[i].serial, (unsigned long long)t.threads[i].nevents);
		printf("\nallocations %llu (%llu bytes requested), frees and deletes %llu "
		       "(%llu of NULL)\n", (unsigned long long)in.allocations,
		       (unsigned long long)in.bytes_requested, (unsigned long long)frees,
		       (unsigned long long)in.null_frees);
		printf("cross-thread frees %llu (waits in the trace: %llu)\n",
		       (unsigned long long)in.cross_frees, (unsigned long long)in.waits);
		printf("failed calls %llu; frees of blocks from before the recording, left out: %llu\n",
		       (unsigned long long)in.failed, (unsigned long long)t.sum.dropped_frees);
		printf("peak live %llu bytes, %llu objects; never freed %llu objects (%llu bytes)\n",
		       (unsigned long long)in.peak_bytes, (unsigned long long)in.peak_objects,
		       (unsigned long long)in.never_freed, (unsigned long long)in.never_freed_bytes);
		print_hist("requested sizes", "bytes", in.size_hist);
		print_hist("lifetimes in calls (of all threads, from allocation to free)", "calls",
			   in.life_calls);
		print_hist("lifetimes in time", "us", in.life_us);
		if (t.sum.meta[0])
			printf("\nmetadata\n%s", t.sum.meta);
		if (plot_dir)
			rc = info_plots(&in, path, plot_dir, NULL);
	}
	ngb_trace_stats_release(&in);
	ngb_trace_release(&t);
	return fflush(stdout) || rc < 0 ? 1 : 0;
}

static int trace_convert(const char *from, const char *in, const char *out, int compress)
{
	struct ngb_trace_summary s;
	struct ngb_err e;
	char *meta;
	int rc;

	if (strcmp(from, "mtrace"))
		return usage_error("trace", "unknown input format '%s': convert reads mtrace", from);
	meta = xasprintf("source=mtrace\ninput=%s\n", in);
	rc = ngb_trace_from_mtrace(in, out, compress, meta, &s, &e);
	free(meta);
	if (rc < 0)
		return fail(1, "%s", e.msg);
	printf("%s: %llu calls, %llu slots, %lld bytes%s\n", out, (unsigned long long)s.nevents,
	       (unsigned long long)s.nslots, file_bytes(out), s.flags & NGB_TRACE_ZSTD ? ", zstd" : "");
	if (s.dropped_frees)
		printf("%s: %llu frees of blocks the trace never saw allocated were left out\n", out,
		       (unsigned long long)s.dropped_frees);
	return 0;
}

int cmd_trace(int argc, const char **argv)
{
	static const char *const formats[] = { "text", "json", NULL };
	const char *sub, *out = "ngbench.trace", *from = NULL, *plot_dir = NULL;
	int compress = ngb_trace_have_zstd(), json = 0, first;
	const struct ngb_option opts[] = {
		OPT_STRING('o', "output", &out, "FILE",
			   "the trace to write (default ngbench.trace)"),
		OPT_SET_INT(0, "no-compress", &compress, 0,
			    "write blocks uncompressed (default: zstd when built with it)"),
		OPT_ENUM(0, "format", &json, "FMT", formats, "for info: text (default) or json"),
		OPT_STRING(0, "from", &from, "FMT", "for convert: mtrace"),
		OPT_STRING(0, "plots", &plot_dir, "DIR",
			   "for info: write the plots into DIR (created if missing)"),
		OPT_END(),
	};
	/* stop at the first operand, so COMMAND's own options stay its own */
	const struct ngb_command cmd = { "trace", trace_synopsis, trace_epilogue, opts,
					 NGB_CMD_STOP_AT_OPERAND | NGB_CMD_HELP_FLUSH_LONG |
					 NGB_CMD_HELP_COLUMN(22) };

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		ngb_options_usage(&cmd, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	sub = argv[1];
	if (strcmp(sub, "record") && strcmp(sub, "info") && strcmp(sub, "convert"))
		return usage_error("trace", "unknown subcommand '%s': use record, info or convert", sub);
	first = ngb_parse_options(&cmd, argc - 1, argv + 1);
	if (first < 0)
		return ngb_options_exit(first);
	argc--;
	argv++;
	if (!strcmp(sub, "record")) {
		if (first >= argc)
			return usage_error("trace", "record needs a command: ngbench trace record -- "
					   "COMMAND [ARGS...]");
		return trace_record(argc - first, argv + first, out, compress);
	}
	if (!strcmp(sub, "info")) {
		if (first != argc - 1)
			return usage_error("trace", "info takes one trace file");
		return trace_info(argv[first], json, plot_dir);
	}
	if (!from)
		return usage_error("trace", "convert needs --from=mtrace");
	if (first != argc - 1)
		return usage_error("trace", "convert takes one input file");
	return trace_convert(from, argv[first], out, compress);
}
