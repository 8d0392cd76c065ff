/*
 * perfmon/sim.c - simulated counters: a trial under valgrind's cachegrind
 * with a declared cache geometry.
 *
 * Cachegrind simulates a first-level instruction cache, a first-level data
 * cache and one last-level cache (valgrind manual, "Cachegrind: a cache and
 * branch-prediction profiler").  Its own detection of the host's caches is
 * not trusted (on our VM it reports a 512 MiB, 2-way last level), so every
 * level is always given explicitly and stored with the counts.
 *
 * The allocator under test must be the one simulated: LD_PRELOAD in
 * valgrind's own environment would load it into valgrind's launcher, so the
 * command is "valgrind ... --trace-children=yes env LD_PRELOAD=lib prog":
 * valgrind follows env's exec into the program (same process, same output
 * file, written when the program exits) and adds its own preload libraries
 * to the program's LD_PRELOAD.  The output file names the counted program on
 * its "cmd:" line, which collect checks.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "../lib/numbers.h"

extern char **environ;

/*
 * Models.  Figures are the vendors' published per-core figures; where the
 * last level is shared (an L3 slice per core), the model takes the whole
 * L3 of one die, as one thread of a benchmark sees it.
 *  client: Intel Skylake client core (Core i7-6700): L1I 32 KiB 8-way,
 *	L1D 32 KiB 8-way, L3 8 MiB 16-way, 64-byte lines.
 *  server: AMD Zen 3 core (EPYC 7003, the CPU of our CI VM): L1I and L1D
 *	32 KiB 8-way, L3 32 MiB 16-way per CCX, 64-byte lines (AMD Software
 *	Optimization Guide for Family 19h Processors).
 *  dtlb-client: Skylake TLBs for 4 KiB pages: ITLB 128 entries 8-way,
 *	DTLB 64 entries 4-way, STLB 1536 entries 12-way.
 *  dtlb-server: Zen 3 TLBs: L1 ITLB and L1 DTLB 64 entries fully
 *	associative, L2 DTLB 2048 entries.  The real L2 DTLB is 12-way and
 *	skewed; 2048 / 12 sets is not a power of two, which cachegrind
 *	requires, so the model uses 16 ways.
 * A TLB of E entries, W ways, is simulated as a cache of E * 4096 bytes, W
 * ways, 4096-byte lines.
 */
struct model {
	const char *name;
	int dtlb;
	struct ngb_cache_level i1, d1, ll;
};

#define KIB 1024UL
#define MIB (1024UL * 1024UL)
#define PAGE 4096U

static const struct model models[] = {
	{ "client", 0, { 32 * KIB, 8, 64 }, { 32 * KIB, 8, 64 }, { 8 * MIB, 16, 64 } },
	{ "server", 0, { 32 * KIB, 8, 64 }, { 32 * KIB, 8, 64 }, { 32 * MIB, 16, 64 } },
	{ "dtlb-client", 1, { 128 * PAGE, 8, PAGE }, { 64 * PAGE, 4, PAGE },
	  { 1536 * PAGE, 12, PAGE } },
	{ "dtlb-server", 1, { 64 * PAGE, 64, PAGE }, { 64 * PAGE, 64, PAGE },
	  { 2048 * PAGE, 16, PAGE } },
};

const char *const ngb_cache_models[] = { "client", "server", "dtlb-client", "dtlb-server", NULL };

/* cachegrind's event names, in the order of its default output. */
static const char *const sim_events[NGB_SIM_NEVENTS] = {
	"Ir", "I1mr", "ILmr", "Dr", "D1mr", "DLmr", "Dw", "D1mw", "DLmw",
};

int ngb_sim_event(const char *name)
{
	size_t i;

	if (!strncmp(name, "dtlb-approx:", 12))
		name += 12;
	for (i = 0; i < NGB_SIM_NEVENTS; i++)
		if (!strcmp(name, sim_events[i]))
			return 1;
	return 0;
}

/* A size that fits an unsigned long; lib/numbers.c refuses overflow. */
static int parse_size_ul(const char *s, unsigned long *out)
{
	uint64_t v;

	if (parse_size(s, &v) || v > ULONG_MAX)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

static int is_pow2(unsigned long v)
{
	return v && !(v & (v - 1));
}

/* The checks cachegrind makes, so that a bad geometry fails before the trial. */
static int check_level(const char *name, const struct ngb_cache_level *l, struct ngb_err *e)
{
	if (!is_pow2(l->line) || l->line < 16)
		return ngb_err_set(e, -EINVAL, "cache level '%s': line size %u is not a power of "
				   "two of at least 16 bytes", name, l->line);
	if (!l->assoc || l->size % ((unsigned long)l->assoc * l->line))
		return ngb_err_set(e, -EINVAL, "cache level '%s': size %lu is not a multiple of "
				   "associativity times line size", name, l->size);
	if (!is_pow2(l->size / ((unsigned long)l->assoc * l->line)))
		return ngb_err_set(e, -EINVAL, "cache level '%s': the number of sets "
				   "(size / (assoc * line)) must be a power of two", name);
	return 0;
}

int ngb_cache_geometry_parse(const char *spec, struct ngb_cache_geometry *g, struct ngb_err *e)
{
	char *copy, *tok, *save = NULL;
	int first = 1, ret = 0;
	size_t mi = 0;

	if (!spec || !*spec)
		spec = "client";
	copy = strdup(spec);
	if (!copy)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	memset(g, 0, sizeof(*g));
	for (tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save), first = 0) {
		struct ngb_cache_level *l = NULL, v;
		unsigned long assoc, line;
		char *eq = strchr(tok, '='), *comma1, *comma2;

		if (!eq) {
			for (mi = 0; mi < sizeof(models) / sizeof(models[0]); mi++)
				if (strcmp(tok, models[mi].name) == 0)
					break;
			if (!first || mi == sizeof(models) / sizeof(models[0])) {
				ret = ngb_err_set(e, -EINVAL, "unknown cache model '%s': use client, "
						  "server, dtlb-client, dtlb-server or "
						  "I1=SIZE,ASSOC,LINE:D1=...:LL=...", tok);
				goto out;
			}
			snprintf(g->name, sizeof(g->name), "%s", models[mi].name);
			g->dtlb = models[mi].dtlb;
			g->i1 = models[mi].i1;
			g->d1 = models[mi].d1;
			g->ll = models[mi].ll;
			continue;
		}
		if (first) {
			/* Overrides alone start from the client model. */
			snprintf(g->name, sizeof(g->name), "client");
			g->i1 = models[0].i1;
			g->d1 = models[0].d1;
			g->ll = models[0].ll;
		}
		*eq = '\0';
		if (strcmp(tok, "I1") == 0)
			l = &g->i1;
		else if (strcmp(tok, "D1") == 0)
			l = &g->d1;
		else if (strcmp(tok, "LL") == 0)
			l = &g->ll;
		comma1 = strchr(eq + 1, ',');
		comma2 = comma1 ? strchr(comma1 + 1, ',') : NULL;
		if (!l || !comma2) {
			ret = ngb_err_set(e, -EINVAL, "bad cache level '%s=%s': use "
					  "I1|D1|LL=SIZE,ASSOC,LINE", tok, eq + 1);
			goto out;
		}
		*comma1 = *comma2 = '\0';
		if (parse_size_ul(eq + 1, &v.size) || parse_size_ul(comma1 + 1, &assoc) ||
		    parse_size_ul(comma2 + 1, &line) || assoc > 1U << 16 || line > 1U << 24) {
			ret = ngb_err_set(e, -EINVAL, "bad cache level '%s': use "
					  "SIZE,ASSOC,LINE such as 32K,8,64", tok);
			goto out;
		}
		v.assoc = (unsigned)assoc;
		v.line = (unsigned)line;
		*l = v;
		/* Overridden: no longer the named model. */
		snprintf(g->name + strlen(g->name), sizeof(g->name) - strlen(g->name), "%s",
			 strstr(g->name, "+custom") ? "" : "+custom");
	}
	ret = check_level("I1", &g->i1, e);
	if (!ret)
		ret = check_level("D1", &g->d1, e);
	if (!ret)
		ret = check_level("LL", &g->ll, e);
out:
	free(copy);
	return ret;
}

void ngb_cache_geometry_format(const struct ngb_cache_geometry *g, char *buf, size_t len)
{
	snprintf(buf, len, "I1=%lu,%u,%u D1=%lu,%u,%u LL=%lu,%u,%u model=%s%s",
		 g->i1.size, g->i1.assoc, g->i1.line, g->d1.size, g->d1.assoc, g->d1.line,
		 g->ll.size, g->ll.assoc, g->ll.line, g->name,
		 g->dtlb ? " approximate-dtlb(4KiB pages as lines)" : "");
}

static int executable(const char *path)
{
	return access(path, X_OK) == 0;
}

static int search_path(const char *prog, char *out, size_t len)
{
	const char *path = getenv("PATH");
	const char *p, *colon;

	if (strchr(prog, '/')) {
		snprintf(out, len, "%s", prog);
		return executable(prog) ? 0 : -ENOENT;
	}
	for (p = path ? path : "/usr/bin:/bin"; p && *p; p = colon ? colon + 1 : NULL) {
		colon = strchr(p, ':');
		int n = colon ? (int)(colon - p) : (int)strlen(p);

		snprintf(out, len, "%.*s/%s", n, p, prog);
		if (n && executable(out))
			return 0;
	}
	out[0] = '\0';
	return -ENOENT;
}

int ngb_sim_find_valgrind(char *path, size_t pathlen, struct ngb_err *e)
{
#ifdef NGB_VALGRIND
	if (executable(NGB_VALGRIND)) {
		snprintf(path, pathlen, "%s", NGB_VALGRIND);
		return 0;
	}
#endif
	if (search_path("valgrind", path, pathlen) == 0)
		return 0;
	return ngb_err_set(e, -ENOENT, "valgrind is not installed: simulated counters need it "
			   "(apt-get install valgrind)");
}

static int push(char ***v, size_t *n, size_t *cap, const char *s)
{
	if (*n + 2 > *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		char **nv = realloc(*v, ncap * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[*n] = s ? strdup(s) : NULL;
	if (s && !(*v)[*n])
		return -ENOMEM;
	(*n)++;
	(*v)[*n] = NULL;
	return 0;
}

static int pushf(char ***v, size_t *n, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int pushf(char ***v, size_t *n, size_t *cap, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(buf))
		return -ENAMETOOLONG;
	return push(v, n, cap, buf);
}

static void free_vec(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

int ngb_sim_command_build(struct ngb_sim_command *cmd, const struct ngb_sim_config *cfg,
			  char *const prog_argv[], char *const envp_in[], struct ngb_err *e)
{
	const struct ngb_cache_geometry *g = &cfg->geometry;
	char valgrind[4096], envprog[4096];
	size_t n = 0, cap = 0, en = 0, ecap = 0;
	int ret = 0;

	memset(cmd, 0, sizeof(*cmd));
	if (!prog_argv || !prog_argv[0])
		return ngb_err_set(e, -EINVAL, "no program to simulate");
	if (!cfg->out_file || !*cfg->out_file)
		return ngb_err_set(e, -EINVAL, "no output file for cachegrind");
	if (cfg->valgrind) {
		if (search_path(cfg->valgrind, valgrind, sizeof(valgrind)))
			return ngb_err_set(e, -ENOENT, "cannot run valgrind '%s'", cfg->valgrind);
	} else if ((ret = ngb_sim_find_valgrind(valgrind, sizeof(valgrind), e))) {
		return ret;
	}
	ret = check_level("I1", &g->i1, e);
	ret = ret ? ret : check_level("D1", &g->d1, e);
	ret = ret ? ret : check_level("LL", &g->ll, e);
	if (ret)
		return ret;

	ret = push(&cmd->argv, &n, &cap, valgrind);
	ret = ret ? ret : push(&cmd->argv, &n, &cap, "--tool=cachegrind");
	ret = ret ? ret : push(&cmd->argv, &n, &cap, "--cache-sim=yes");
	ret = ret ? ret : pushf(&cmd->argv, &n, &cap, "--I1=%lu,%u,%u", g->i1.size, g->i1.assoc,
				g->i1.line);
	ret = ret ? ret : pushf(&cmd->argv, &n, &cap, "--D1=%lu,%u,%u", g->d1.size, g->d1.assoc,
				g->d1.line);
	ret = ret ? ret : pushf(&cmd->argv, &n, &cap, "--LL=%lu,%u,%u", g->ll.size, g->ll.assoc,
				g->ll.line);
	ret = ret ? ret : pushf(&cmd->argv, &n, &cap, "--cachegrind-out-file=%s", cfg->out_file);
	ret = ret ? ret : push(&cmd->argv, &n, &cap, "--trace-children=yes");
	ret = ret ? ret : push(&cmd->argv, &n, &cap, "-q");
	if (!ret && cfg->preload && *cfg->preload) {
		if (search_path("env", envprog, sizeof(envprog)))
			snprintf(envprog, sizeof(envprog), "env");
		ret = push(&cmd->argv, &n, &cap, envprog);
		ret = ret ? ret : pushf(&cmd->argv, &n, &cap, "LD_PRELOAD=%s", cfg->preload);
	}
	for (size_t i = 0; !ret && prog_argv[i]; i++)
		ret = push(&cmd->argv, &n, &cap, prog_argv[i]);

	/* valgrind's own environment: the caller's, without any preload. */
	for (char *const *p = envp_in ? envp_in : environ; !ret && *p; p++)
		if (strncmp(*p, "LD_PRELOAD=", 11) != 0)
			ret = push(&cmd->envp, &en, &ecap, *p);
	if (!ret && !cmd->envp)
		ret = push(&cmd->envp, &en, &ecap, NULL); /* an empty environment */
	if (ret) {
		ngb_sim_command_release(cmd);
		return ngb_err_set(e, ret, ret == -ENOMEM ? "out of memory"
							  : "argument too long for the simulator");
	}
	return 0;
}

void ngb_sim_command_release(struct ngb_sim_command *cmd)
{
	free_vec(cmd->argv);
	free_vec(cmd->envp);
	cmd->argv = cmd->envp = NULL;
}

static void sim_row_init(struct ngb_counter *c, const struct ngb_cache_geometry *g, size_t i)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->event, sizeof(c->event), "%s%s", g->dtlb ? "dtlb-approx:" : "", sim_events[i]);
	c->source = NGB_SOURCE_SIM;
	memcpy(c->encoding, "cachegrind ", 11);
	ngb_cache_geometry_format(g, c->encoding + 11, sizeof(c->encoding) - 11);
}

size_t ngb_sim_fail_rows(const struct ngb_cache_geometry *g, const char *reason,
			 struct ngb_counter *rows, size_t n)
{
	size_t i;

	for (i = 0; i < NGB_SIM_NEVENTS && i < n; i++) {
		sim_row_init(&rows[i], g, i);
		rows[i].status = NGB_STATUS_ERROR;
		snprintf(rows[i].reason, sizeof(rows[i].reason), "%s", reason);
	}
	return i;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Whether the first word of cachegrind's "cmd:" line names the program prog. */
static int cmd_is(const char *cmdline, const char *prog)
{
	size_t len = strcspn(cmdline, " \n");
	const char *b = base_name(prog);
	const char *cb;
	char first[4096];

	snprintf(first, sizeof(first), "%.*s", (int)len, cmdline);
	cb = base_name(first);
	return strcmp(cb, b) == 0;
}

int ngb_sim_collect(const char *out_file, const struct ngb_cache_geometry *g, const char *prog,
		    struct ngb_counter *rows, size_t n, struct ngb_err *e)
{
	char *line = NULL, *events = NULL, *summary = NULL, *cmdline = NULL;
	size_t cap = 0;
	FILE *f = fopen(out_file, "r");
	int ret = 0;

	if (!f)
		return ngb_err_set(e, -errno, "cannot open cachegrind output '%s': %s", out_file,
				   strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		char **slot = NULL;
		const char *val = NULL;

		if (strncmp(line, "events:", 7) == 0)
			slot = &events, val = line + 7;
		else if (strncmp(line, "summary:", 8) == 0)
			slot = &summary, val = line + 8;
		else if (strncmp(line, "cmd:", 4) == 0)
			slot = &cmdline, val = line + 4;
		if (slot && !*slot) {
			while (*val == ' ')
				val++;
			*slot = strdup(val);
			if (!*slot) {
				ret = ngb_err_set(e, -ENOMEM, "out of memory");
				goto out;
			}
		}
	}
	if (ferror(f)) {
		ret = ngb_err_set(e, -EIO, "cannot read cachegrind output '%s'", out_file);
		goto out;
	}
	if (!events || !summary) {
		ret = ngb_err_set(e, -EPROTO, "cachegrind output '%s' has no %s line (did the "
				  "program finish?)", out_file, events ? "summary" : "events");
		goto out;
	}
	if (prog && cmdline && !cmd_is(cmdline, prog)) {
		cmdline[strcspn(cmdline, "\n")] = '\0';
		ret = ngb_err_set(e, -EPROTO, "cachegrind output '%s' counts '%s', not '%s'",
				  out_file, cmdline, prog);
		goto out;
	}

	/* The columns of "summary:" follow the names of "events:". */
	for (size_t i = 0; i < NGB_SIM_NEVENTS && i < n; i++) {
		char *ev_save = NULL, *sum_save = NULL, *en, *sv;
		char *ecopy = strdup(events), *scopy = strdup(summary);
		int found = 0;

		if (!ecopy || !scopy) {
			free(ecopy);
			free(scopy);
			ret = ngb_err_set(e, -ENOMEM, "out of memory");
			goto out;
		}
		sim_row_init(&rows[i], g, i);
		for (en = strtok_r(ecopy, " \n", &ev_save), sv = strtok_r(scopy, " \n", &sum_save);
		     en && sv;
		     en = strtok_r(NULL, " \n", &ev_save), sv = strtok_r(NULL, " \n", &sum_save)) {
			if (strcmp(en, sim_events[i]) == 0) {
				char *end;
				unsigned long long v = strtoull(sv, &end, 10);

				if (*end == '\0') {
					rows[i].status = NGB_STATUS_OK;
					rows[i].has_raw = rows[i].has_value = 1;
					rows[i].raw = v;
					rows[i].value = (double)v;
					found = 1;
				}
				break;
			}
		}
		if (!found) {
			rows[i].status = NGB_STATUS_ERROR;
			snprintf(rows[i].reason, sizeof(rows[i].reason),
				 "cachegrind did not count %s (was --cache-sim=yes lost?)",
				 sim_events[i]);
		}
		free(ecopy);
		free(scopy);
	}
	ret = (int)(n < NGB_SIM_NEVENTS ? n : NGB_SIM_NEVENTS);
out:
	free(line);
	free(events);
	free(summary);
	free(cmdline);
	fclose(f);
	return ret;
}
