/*
 * harness/experiment.c - experiments as INI files (fio's job files, for
 * allocators): a [global] section of defaults and one section per job.
 *
 *	; what this experiment shows
 *	[global]
 *	description = Hoard's scaling figures
 *	repetitions = 5
 *	preset = quick
 *
 *	[scaling]
 *	allocators = all
 *	workloads = larson,threadtest
 *	threads = 1,2,4
 *
 * Keys of a job (and of [global], as defaults for every job): allocators,
 * workloads, command, preset, threads, set (repeatable: NAME=VALUE),
 * repetitions, counters, events, cache.  [global] also takes description,
 * warmup and timeout, and for 'ngbench baseline save --experiment' control
 * (the allocator timed cells are divided by) and baseline-repetitions (the
 * repetitions of a saved baseline, which is taken once and judged against
 * many times, so it can afford more runs than each CI session).  Values are
 * checked as the command-line options are; a mistake names the file, the line
 * and the key.
 *
 * Read with ngbench's own INI reader (ngbench/ini.h): lines of any length, no
 * inline comments, a section or a key given twice is an error naming both
 * lines ('set' alone repeats), a NUL byte is an error.  'command' is split
 * into words as a shell would, without running one (split_words() in
 * parse.c): blanks separate words, '...' keeps everything literally, "..."
 * keeps blanks and takes \" and \\ as escapes, a \ outside quotes escapes the
 * next character; no variables, globs, pipes or redirections.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ngbench/ini.h"

#include "internal.h"

struct loader {
	struct experiment *x;
	struct job global;
};

static const char *const job_keys[] = {
	"allocators", "workloads", "command", "preset", "threads", "set", "repetitions",
	"counters", "events", "cache", "metric", "better", "unit", "metric-name",
};
#define NJOB_KEYS (sizeof(job_keys) / sizeof(job_keys[0]))

void job_init(struct job *j, const char *name)
{
	memset(j, 0, sizeof(*j));
	j->name = xstrdup(name);
	j->preset = NGB_PRESET_QUICK;
	j->repetitions = 5;
	j->counters = NGB_COUNTERS_HW;
	j->metric.better = -1;
}

void job_release(struct job *j)
{
	free(j->name);
	strvec_clear(&j->allocators);
	strvec_clear(&j->workloads);
	strvec_clear(&j->sets);
	strvec_clear(&j->threads);
	strvec_clear(&j->command);
	free(j->events);
	free(j->cache);
	ngb_perfmon_free(j->pm);
	cmd_metric_release(&j->metric);
	free(j->metric.name);
	free(j->metric.unit);
	memset(j, 0, sizeof(*j));
}

/* Parses a thread list into j->threads; -1 with *why on a bad value. */
int job_set_threads(struct job *j, const char *list, char **why)
{
	struct strvec sv = STRVEC_INIT;
	char num[24];
	size_t i;
	long v;

	strvec_clear(&j->threads);
	if (!*list || *list == ',' || list[strlen(list) - 1] == ',' || strstr(list, ",,")) {
		*why = xasprintf("needs a list such as 1,2,4 without empty items, not '%s'", list);
		return -1;
	}
	strvec_split(&sv, list, ',');
	for (i = 0; i < sv.n; i++) {
		if (parse_long(sv.v[i], &v) || v < 1 || v > 4096) {
			*why = xasprintf("takes thread counts from 1 to 4096, not '%s'", sv.v[i]);
			strvec_clear(&sv);
			return -1;
		}
		/* "1,1" would run one cell twice and report it as two */
		snprintf(num, sizeof(num), "%ld", v);
		if (strvec_find(&j->threads, num) >= 0) {
			*why = xasprintf("lists %ld twice in '%s': give each thread count once", v,
					 list);
			strvec_clear(&sv);
			return -1;
		}
		strvec_pushf(&j->threads, "%ld", v);
	}
	strvec_clear(&sv);
	return 0;
}

/* Applies one key to a job; NULL, or why the value is bad. */
/*
 * Splits a command at spaces into @argv, replacing each ${NAME} by the
 * environment variable NAME, so that an experiment can run programs whose
 * place only the user knows (data/experiments/mimalloc-bench.ini).  NULL,
 * or the message (to free) when NAME is not set.
 */
static struct strvec *unset_env;

void experiment_unset_env_to(struct strvec *missing)
{
	unset_env = missing;
}

static char *expand_env(const char *value, char **out)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = value;

	while (*p) {
		const char *open = strstr(p, "${"), *close;
		char *name;
		const char *v;

		if (!open) {
			strbuf_adds(&sb, p);
			break;
		}
		close = strchr(open, '}');
		if (!close) {
			strbuf_release(&sb);
			return xasprintf("'${' without '}' in '%s'", value);
		}
		strbuf_add(&sb, p, (size_t)(open - p));
		name = xasprintf("%.*s", (int)(close - open - 2), open + 2);
		v = getenv(name);
		if ((!v || !*v) && unset_env) {
			if (strvec_find(unset_env, name) < 0)
				strvec_push(unset_env, name);
			v = NULL;
			strbuf_add(&sb, open, (size_t)(close + 1 - open)); /* kept as written */
		} else if (!v || !*v) {
			char *why = xasprintf("uses ${%s}, which is not set: set %s in the "
					      "environment (the experiment's comments say to what)",
					      name, name);

			free(name);
			strbuf_release(&sb);
			return why;
		}
		free(name);
		if (v)
			strbuf_adds(&sb, v);
		p = close + 1;
	}
	*out = xstrdup(strbuf_str(&sb));
	strbuf_release(&sb);
	return NULL;
}

static char *job_apply(struct job *j, const char *key, const char *value)
{
	struct ngb_err e;
	char *why = NULL;
	long v;

	if (!strcmp(key, "allocators")) {
		strvec_clear(&j->allocators);
		strvec_split(&j->allocators, value, ',');
	} else if (!strcmp(key, "workloads")) {
		strvec_clear(&j->workloads);
		strvec_split(&j->workloads, value, ',');
	} else if (!strcmp(key, "command")) {
		char *expanded = NULL;

		strvec_clear(&j->command);
		why = expand_env(value, &expanded);
		if (!why && split_words(expanded, &j->command, &why))
			why = why ? why : xstrdup("cannot be split into words");
		free(expanded);
		if (why)
			return why;
		if (!j->command.n)
			return xstrdup("needs a program");
	} else if (!strcmp(key, "preset")) {
		if (ngb_preset_parse(value, &j->preset))
			return xasprintf("unknown preset '%s': give " NGB_PRESET_CHOICES, value);
	} else if (!strcmp(key, "threads")) {
		if (job_set_threads(j, value, &why))
			return why;
	} else if (!strcmp(key, "set")) {
		if (!strchr(value, '=') || *value == '=')
			return xasprintf("takes NAME=VALUE, not '%s'", value);
		strvec_push(&j->sets, value);
	} else if (!strcmp(key, "repetitions")) {
		if (parse_long(value, &v) || v < 1 || v > 100000)
			return xasprintf("takes a whole number from 1 to 100000, not '%s'", value);
		j->repetitions = v;
	} else if (!strcmp(key, "counters")) {
		if (ngb_counters_mode_parse(value, &j->counters, &e))
			return xstrdup(e.msg);
	} else if (!strcmp(key, "events")) {
		free(j->events);
		j->events = xstrdup(value);
	} else if (!strcmp(key, "cache")) {
		free(j->cache);
		j->cache = xstrdup(value);
	} else if (!strcmp(key, "metric") || !strcmp(key, "better") || !strcmp(key, "unit") ||
		   !strcmp(key, "metric-name")) {
		return cmd_metric_option(&j->metric, key, value);
	} else {
		return xasprintf("unknown key '%s'", key);
	}
	return NULL;
}

static void job_copy(struct job *dst, const struct job *src, const char *name)
{
	size_t i;

	job_init(dst, name);
	for (i = 0; i < src->allocators.n; i++)
		strvec_push(&dst->allocators, src->allocators.v[i]);
	for (i = 0; i < src->workloads.n; i++)
		strvec_push(&dst->workloads, src->workloads.v[i]);
	for (i = 0; i < src->sets.n; i++)
		strvec_push(&dst->sets, src->sets.v[i]);
	for (i = 0; i < src->threads.n; i++)
		strvec_push(&dst->threads, src->threads.v[i]);
	for (i = 0; i < src->command.n; i++)
		strvec_push(&dst->command, src->command.v[i]);
	dst->preset = src->preset;
	dst->repetitions = src->repetitions;
	dst->counters = src->counters;
	dst->events = src->events ? xstrdup(src->events) : NULL;
	dst->cache = src->cache ? xstrdup(src->cache) : NULL;
	cmd_metric_copy(&dst->metric, &src->metric);
}

/* Reports a bad key or value of a job as "[section] key: why". */
static int job_error(struct ngb_err *e, const char *section, const char *key, char *why)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (!strncmp(why, "unknown key", 11)) {
		strbuf_addf(&sb, "[%s] %s; valid keys:", section, why);
		for (i = 0; i < NJOB_KEYS; i++)
			strbuf_addf(&sb, " %s", job_keys[i]);
		if (!strcmp(section, "global"))
			strbuf_adds(&sb, " description warmup timeout control baseline-repetitions");
	} else {
		strbuf_addf(&sb, "[%s] %s: %s", section, key, why);
	}
	ngb_err_set(e, -EINVAL, "%s", strbuf_str(&sb));
	strbuf_release(&sb);
	free(why);
	return -EINVAL;
}

/* [global]'s own keys; 1 when key is not one of them. */
static int global_key(struct experiment *x, const char *key, const char *value, struct ngb_err *e)
{
	long v;
	double d;

	if (!strcmp(key, "description")) {
		free(x->description);
		x->description = xstrdup(value);
	} else if (!strcmp(key, "warmup")) {
		if (parse_long(value, &v) || v < 0 || v > 1000)
			return ngb_err_set(e, -EINVAL, "'warmup' takes a whole number from 0 to 1000, "
					   "not '%s'", value);
		x->warmup = v;
		x->have_warmup = 1;
	} else if (!strcmp(key, "timeout")) {
		if (parse_double(value, &d) || d < 0)
			return ngb_err_set(e, -EINVAL, "'timeout' takes seconds (0 for none), not '%s'",
					   value);
		x->timeout_s = d;
		x->have_timeout = 1;
	} else if (!strcmp(key, "control")) {
		if (!*value || strchr(value, ','))
			return ngb_err_set(e, -EINVAL, "'control' takes one allocator, not '%s'", value);
		free(x->control);
		x->control = xstrdup(value);
	} else if (!strcmp(key, "baseline-repetitions")) {
		if (parse_long(value, &v) || v < 1 || v > 100000)
			return ngb_err_set(e, -EINVAL, "'baseline-repetitions' takes a whole number "
					   "from 1 to 100000, not '%s'", value);
		x->baseline_reps = v;
	} else {
		return 1;
	}
	return 0;
}

static int on_entry(void *user, const struct ngb_ini_item *it, struct ngb_err *e)
{
	struct loader *L = user;
	struct experiment *x = L->x;
	struct job *j;
	char *why;
	int rc;

	if (!it->key) {
		/* a section header: [global] first, then one job per section */
		if (!strcmp(it->section, "global")) {
			if (x->njobs)
				return ngb_err_set(e, -EINVAL, "[global] must come before the jobs");
			return 0;
		}
		x->jobs = xrealloc(x->jobs, (x->njobs + 1) * sizeof(*x->jobs));
		job_copy(&x->jobs[x->njobs++], &L->global, it->section);
		return 0;
	}
	if (!*it->section)
		return ngb_err_set(e, -EINVAL, "'%s' is outside any section: put it under [global] "
				   "or a job", it->key);
	if (!strcmp(it->section, "global")) {
		rc = global_key(x, it->key, it->value, e);
		if (rc <= 0)
			return rc;
		j = &L->global;
	} else {
		j = &x->jobs[x->njobs - 1];
	}
	why = job_apply(j, it->key, it->value);
	if (why)
		return job_error(e, it->section, it->key, why);
	return 0;
}

const char *experiments_dir(void)
{
	return ngb_paths()->experiment_dir;
}

static char *find_experiment(const char *spec)
{
	size_t n = strlen(spec);

	if (strchr(spec, '/') || (n > 4 && !strcmp(spec + n - 4, ".ini")))
		return xstrdup(spec);
	return xasprintf("%s/%s.ini", experiments_dir(), spec);
}

/* The names of the experiments shipped with ngbench. */
void experiments_list(struct strvec *names)
{
	struct dirent **ents = NULL;
	int n, i;

	n = scandir(experiments_dir(), &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		size_t len = strlen(ents[i]->d_name);

		if (len > 4 && !strcmp(ents[i]->d_name + len - 4, ".ini")) {
			char *name = strndup(ents[i]->d_name, len - 4);

			strvec_push(names, name);
			free(name);
		}
		free(ents[i]);
	}
	free(ents);
}

/* Reads a whole regular file into *text; -1 with *why otherwise. */
static int read_text_file(const char *path, struct strbuf *text, char **why)
{
	struct stat st;
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*why = xstrdup(strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		*why = xstrdup(strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = xstrdup(S_ISDIR(st.st_mode) ? "it is a folder, not a file"
						   : "it is not a regular file");
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*why = xstrdup(strerror(errno));
			close(fd);
			return -1;
		}
		strbuf_add(text, buf, (size_t)n);
	}
	close(fd);
	return 0;
}

static const char *const repeatable_keys[] = { "set", NULL };

int experiment_load(const char *spec, struct experiment *x)
{
	struct strbuf text = STRBUF_INIT;
	struct ngb_err e = { 0 };
	char *why = NULL;
	size_t len;

	memset(x, 0, sizeof(*x));
	x->path = find_experiment(spec);
	if (access(x->path, F_OK)) {
		struct strvec names = STRVEC_INIT;
		const char *guess;
		size_t i;

		error("cannot read experiment '%s': %s", x->path, strerror(errno));
		experiments_list(&names);
		guess = closest_name(spec, (const char *const *)names.v, names.n);
		if (guess)
			fprintf(stderr, "Did you mean '%s'?\n", guess);
		fprintf(stderr, "Experiments shipped with ngbench (%s):", experiments_dir());
		for (i = 0; i < names.n; i++)
			fprintf(stderr, " %s", names.v[i]);
		fprintf(stderr, "\n");
		strvec_clear(&names);
		return 2;
	}
	if (read_text_file(x->path, &text, &why)) {
		error("cannot read experiment '%s': %s", x->path, why);
		free(why);
		strbuf_release(&text);
		return 2;
	}
	len = text.len;
	x->text = strbuf_detach(&text);
	{
		const char *base = strrchr(x->path, '/');
		size_t n;

		base = base ? base + 1 : x->path;
		n = strlen(base);
		x->name = n > 4 && !strcmp(base + n - 4, ".ini") ? strndup(base, n - 4)
								 : xstrdup(base);
	}

	if (experiment_parse(x, len, &e)) {
		error("experiment '%s', %s", x->path, e.msg);
		return 2;
	}
	return 0;
}

int experiment_parse(struct experiment *x, size_t len, struct ngb_err *e)
{
	static const struct ngb_ini_syntax syntax = { ";#", 0, repeatable_keys };
	struct loader L;
	int rc;

	memset(&L, 0, sizeof(L));
	L.x = x;
	job_init(&L.global, "global");
	rc = ngb_ini_parse(x->text, len, &syntax, on_entry, &L, e);
	if (!rc && x->njobs == 0) {
		/* a file with [global] only is one job */
		x->jobs = xcalloc(1, sizeof(*x->jobs));
		job_copy(&x->jobs[0], &L.global, x->name);
		x->njobs = 1;
	}
	job_release(&L.global);
	return rc;
}

void experiment_release(struct experiment *x)
{
	size_t i;

	for (i = 0; i < x->njobs; i++)
		job_release(&x->jobs[i]);
	free(x->jobs);
	free(x->name);
	free(x->path);
	free(x->description);
	free(x->text);
	free(x->control);
	memset(x, 0, sizeof(*x));
}
