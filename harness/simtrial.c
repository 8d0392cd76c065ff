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
 * `setarch -R` does; the flag survives exec), and its environment, kept
 * whole (the user's variables may be the allocator's knobs) but for the
 * shell's "_" and OLDPWD, is padded to a multiple of 4096 bytes.  What remains is the program's own non-determinism: an
 * allocator that seeds itself from the clock or the OS's randomness
 * (mimalloc does), threads, and the clock reads of the program itself.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "internal.h"

/* The variable that pads the environment, and the size it pads it to a
 * multiple of: the initial stack then ends at the same offset in its page
 * whatever the size of the user's environment. */
#define PAD_NAME "NGBENCH_SIM_PAD="
#define PAD_TO 4096

char **sim_trial_child_prepare(const struct trial_spec *spec, char **envp)
{
	int persona = personality(0xffffffff);
	size_t n = 0, total = 0, pad, k = 0;
	char **out, *padvar;

	(void)spec;
	if (persona != -1)
		personality((unsigned long)persona | ADDR_NO_RANDOMIZE);
	for (n = 0; envp && envp[n]; n++)
		if (strncmp(envp[n], "_=", 2) && strncmp(envp[n], "OLDPWD=", 7))
			total += strlen(envp[n]) + 1;
	pad = (PAD_TO - (total + sizeof(PAD_NAME)) % PAD_TO) % PAD_TO;
	out = malloc((n + 2) * sizeof(*out));
	padvar = malloc(sizeof(PAD_NAME) + pad);
	if (!out || !padvar)
		return envp;
	for (n = 0; envp && envp[n]; n++)
		if (strncmp(envp[n], "_=", 2) && strncmp(envp[n], "OLDPWD=", 7))
			out[k++] = envp[n];
	memcpy(padvar, PAD_NAME, sizeof(PAD_NAME) - 1);
	memset(padvar + sizeof(PAD_NAME) - 1, 'x', pad);
	padvar[sizeof(PAD_NAME) - 1 + pad] = '\0';
	out[k++] = padvar;
	out[k] = NULL;
	return out;
}
