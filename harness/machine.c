/*
 * harness/machine.c - facts about this machine recorded with every session,
 * its fingerprint recorded with every trial, and clocks.
 *
 * The fingerprint is what decides how fast an allocator runs here and is
 * the same on two identical hosts: the CPU (model, microcode, cores online,
 * SMT, NUMA nodes), the kernel with its transparent-huge-page mode and
 * frequency governor, the C library with the glibc tunables in effect, and
 * the allocator knobs every child inherits from our environment.  A fact
 * that cannot be read is "unavailable: why", never a made-up value.  Its id
 * is a 64-bit FNV-1a hash of the fields, in hexadecimal.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

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

/* The first line of a small file, without its newline; NULL when unreadable. */
static char *file_line(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	char *out = NULL;

	if (!f)
		return NULL;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		out = xstrdup(line);
	}
	fclose(f);
	return out;
}

static char *unavailable(const char *path)
{
	return xasprintf("unavailable: cannot read %s: %s", path, strerror(errno));
}

/* "always [madvise] never" -> "madvise" */
static char *bracketed(const char *path)
{
	char *line = file_line(path), *l, *r, *out;

	if (!line)
		return unavailable(path);
	l = strchr(line, '[');
	r = l ? strchr(l, ']') : NULL;
	out = l && r ? xasprintf("%.*s", (int)(r - l - 1), l + 1) : xstrdup(line);
	free(line);
	return out;
}

static char *smt_state(void)
{
	const char *active = "/sys/devices/system/cpu/smt/active";
	char *a = file_line(active), *c, *out;

	if (!a)
		return unavailable(active);
	c = file_line("/sys/devices/system/cpu/smt/control");
	out = xasprintf("%s (control %s)", !strcmp(a, "1") ? "on" : "off", c ? c : "unknown");
	free(a);
	free(c);
	return out;
}

static char *numa_nodes(void)
{
	const char *dir = "/sys/devices/system/node";
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return unavailable(dir);
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, "node", 4) && de->d_name[4] >= '0' && de->d_name[4] <= '9';
	closedir(d);
	return xasprintf("%d", n);
}

static char *governor(void)
{
	const char *path = "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor";
	char *g = file_line(path);

	if (g)
		return g;
	if (errno == ENOENT)
		return xstrdup("unavailable: no cpufreq driver (a virtual machine, or "
			       "frequency fixed by the firmware)");
	return unavailable(path);
}

int env_is_allocator_knob(const char *name_value)
{
	static const char *const prefixes[] = {
		"MALLOC_", "JE_MALLOC_CONF=", "_RJEM_MALLOC_CONF=", "MIMALLOC_", "TCMALLOC_",
		"HOARD_", "NGMALLOC_", "GLIBC_TUNABLES=", "LD_BIND_NOW=",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name_value, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

extern char **environ;

static char *knobs_of(const struct strvec *extra, int with_tunables)
{
	struct strvec all = STRVEC_INIT;
	struct strbuf sb = STRBUF_INIT;
	char **e;
	size_t i, k;

	/* the trial's own variables win over ours, as in the child */
	for (i = 0; extra && i < extra->n; i++)
		if (env_is_allocator_knob(extra->v[i]))
			strvec_push(&all, extra->v[i]);
	for (e = environ; *e; e++) {
		size_t nl = strcspn(*e, "=");
		int shadowed = 0;

		if (!env_is_allocator_knob(*e) ||
		    (!with_tunables && !strncmp(*e, "GLIBC_TUNABLES=", 15)))
			continue;
		for (k = 0; extra && k < extra->n && !shadowed; k++)
			shadowed = !strncmp(extra->v[k], *e, nl + 1);
		if (!shadowed)
			strvec_push(&all, *e);
	}
	if (all.n)
		qsort(all.v, all.n, sizeof(*all.v), cmp_str);
	for (i = 0; i < all.n; i++) {
		if (i)
			strbuf_addch(&sb, ' ');
		strbuf_add_shell_quoted(&sb, all.v[i]);
	}
	strvec_clear(&all);
	return strbuf_detach(&sb);
}

char *env_knobs(const struct strvec *extra)
{
	return knobs_of(extra, 1);
}

uint64_t hash64(const void *data, size_t n, uint64_t h)
{
	const unsigned char *p = data;
	size_t i;

	if (!h)
		h = 0xcbf29ce484222325ULL;
	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void machine_fingerprint(struct machine_fp *m)
{
	struct utsname un;
	const char *tun = getenv("GLIBC_TUNABLES");
	char *mc;
	uint64_t h = 0;
	int i;

	memset(m, 0, sizeof(*m));
	m->host = uname(&un) ? xstrdup("unknown") : xstrdup(un.nodename);
	m->os = machine_os();
	m->cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	m->field[NGB_MACHINE_cpu_model] = machine_cpu_model();
	mc = file_field("/proc/cpuinfo", "microcode", ':');
	m->field[NGB_MACHINE_microcode] = mc ? mc : xstrdup("unavailable: /proc/cpuinfo has no "
							      "microcode line");
	m->field[NGB_MACHINE_cores] = xasprintf("%ld", sysconf(_SC_NPROCESSORS_ONLN));
	m->field[NGB_MACHINE_smt] = smt_state();
	m->field[NGB_MACHINE_numa_nodes] = numa_nodes();
	m->field[NGB_MACHINE_kernel] = xasprintf("%s %s", un.sysname, un.release);
	m->field[NGB_MACHINE_thp] = bracketed("/sys/kernel/mm/transparent_hugepage/enabled");
	{
		char *defrag = bracketed("/sys/kernel/mm/transparent_hugepage/defrag");
		char *both = xasprintf("enabled %s, defrag %s", m->field[NGB_MACHINE_thp], defrag);

		free(defrag);
		free(m->field[NGB_MACHINE_thp]);
		m->field[NGB_MACHINE_thp] = both;
	}
	m->field[NGB_MACHINE_governor] = governor();
	m->field[NGB_MACHINE_libc] = xasprintf("glibc %s", gnu_get_libc_version());
	m->field[NGB_MACHINE_glibc_tunables] = xstrdup(tun ? tun : "none");
	/* GLIBC_TUNABLES has its own field */
	m->field[NGB_MACHINE_malloc_env] = knobs_of(NULL, 0);
	if (!*m->field[NGB_MACHINE_malloc_env]) {
		free(m->field[NGB_MACHINE_malloc_env]);
		m->field[NGB_MACHINE_malloc_env] = xstrdup("none");
	}
	for (i = 0; i < NGB_MACHINE_NFIELDS; i++) {
		h = hash64(ngb_machine_columns[i], strlen(ngb_machine_columns[i]) + 1, h);
		h = hash64(m->field[i], strlen(m->field[i]) + 1, h);
	}
	snprintf(m->id, sizeof(m->id), "%016llx", (unsigned long long)h);
}

void machine_fp_view(const struct machine_fp *m, struct ngb_machine *out)
{
	int i;

	out->fingerprint = m->id;
	for (i = 0; i < NGB_MACHINE_NFIELDS; i++)
		out->field[i] = m->field[i];
}

void machine_session_facts(const struct machine_fp *m, struct ngb_session_info *si)
{
	memset(si, 0, sizeof(*si));
	si->host = m->host;
	si->cpu_model = m->field[NGB_MACHINE_cpu_model];
	si->cores = m->cores;
	si->kernel = m->field[NGB_MACHINE_kernel];
	si->os = m->os;
	si->libc = gnu_get_libc_version();   /* the session keeps the bare version */
}

void machine_fp_release(struct machine_fp *m)
{
	int i;

	for (i = 0; i < NGB_MACHINE_NFIELDS; i++)
		free(m->field[i]);
	free(m->host);
	free(m->os);
	memset(m, 0, sizeof(*m));
}
