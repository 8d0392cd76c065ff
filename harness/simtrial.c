/*
 * harness/simtrial.c - what makes a simulated trial repeat itself exactly.
 *
 * Under cachegrind the counts are a function of the program's execution,
 * and a single-threaded program that reads no clock and no randomness runs
 * the same instructions each time, except where addresses enter: a
 * randomised stack, heap or mmap base changes the alignment that memcpy,
 * strlen and the allocator's own arithmetic see, and the size of the
 * environment moves the initial stack.  Two glibc trials of xalanc (quick)
 * differed by about 100 of 3.05e9 instructions for these reasons.
 *
 * So the child of a simulated trial turns address-space randomisation off
 * for itself and what it executes (personality(ADDR_NO_RANDOMIZE), as
 * `setarch -R` does; the flag survives exec) and gets a fixed environment:
 * the trial's own variables, and of ngbench's environment only the names in
 * keep[] below.  What remains is the program's own non-determinism: an
 * allocator that seeds itself from the clock or the OS's randomness
 * (mimalloc does), threads, and the clock reads of the program itself.
 */
#include "config.h"

#include <string.h>
#include <sys/personality.h>

#include "internal.h"

/* Names kept from ngbench's own environment: what programs need to run as
 * the user expects (locale, home, search path, temporary folder). */
static const char *const keep[] = {
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", NULL,
};

static int name_is(const char *entry, const char *name, size_t len)
{
	return name && strlen(name) == len && !strncmp(entry, name, len);
}

/* Is the variable @entry (NAME=VALUE) one that the trial itself sets? */
static int trial_variable(const struct trial_spec *spec, const char *entry, size_t len)
{
	size_t i;

	if (name_is(entry, "LD_PRELOAD", len) || name_is(entry, "NGBENCH_WITNESS_FD", len) ||
	    name_is(entry, PROFILE_OUT_ENV, len) || name_is(entry, spec->stats_env, len) ||
	    !strncmp(entry, "LC_", 3) || !strncmp(entry, "VALGRIND_", 9))
		return 1;
	for (i = 0; i < spec->env.n; i++)
		if (strcspn(spec->env.v[i], "=") == len && !strncmp(spec->env.v[i], entry, len))
			return 1;
	return 0;
}

char **sim_trial_child_prepare(const struct trial_spec *spec, char **envp)
{
	int persona = personality(0xffffffff);
	size_t in, out = 0;

	if (persona != -1)
		personality((unsigned long)persona | ADDR_NO_RANDOMIZE);
	for (in = 0; envp && envp[in]; in++) {
		size_t len = strcspn(envp[in], "=");
		int k, kept = trial_variable(spec, envp[in], len);

		for (k = 0; keep[k] && !kept; k++)
			kept = name_is(envp[in], keep[k], len);
		if (kept)
			envp[out++] = envp[in];
	}
	if (envp)
		envp[out] = NULL;
	return envp;
}
