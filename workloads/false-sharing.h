/*
 * workloads/false-sharing.h - the body shared by active-false and
 * passive-false (Berger et al., ASPLOS 2000, section 5: allocator-induced
 * active and passive false sharing).
 */
#ifndef NGBENCH_WORKLOADS_FALSE_SHARING_H
#define NGBENCH_WORKLOADS_FALSE_SHARING_H

/* The part of both programs' notes on what they write and how they are
 * timed, between the allocator calls and the result. */
#define FALSE_SHARING_NOTES_BODY                                                 \
	"the bytes written are the object's self-check pattern instead of\n"     \
	"their index (their index with --check=none --loop=original), so the\n"  \
	"pattern can be checked before the free; the default --loop=tight\n"     \
	"keeps its counters in registers and runs about twice as fast\n"         \
	"uncontended as the original built with -O0, whose loop\n"               \
	"--loop=original (the reference preset's) reproduces; the clock runs\n"  \
	"from before the first thread is created to the last join (the\n"       \
	"original is timed as a whole process); "

/* Runs the workload named @name; @passive selects passive-false. */
int false_sharing_main(int argc, char **argv, const char *name, int passive,
		       const char *notes);

#endif
