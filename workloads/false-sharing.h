/*
 * workloads/false-sharing.h - the body shared by active-false and
 * passive-false (Berger et al., ASPLOS 2000, section 5: allocator-induced
 * active and passive false sharing).
 */
#ifndef NGBENCH_WORKLOADS_FALSE_SHARING_H
#define NGBENCH_WORKLOADS_FALSE_SHARING_H

/* Runs the workload named @name; @passive selects passive-false. */
int false_sharing_main(int argc, char **argv, const char *name, int passive,
		       const char *notes);

#endif
