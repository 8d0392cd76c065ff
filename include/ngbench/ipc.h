/*
 * ngbench/ipc.h - the names one process of ngbench shares with another:
 * environment variables the harness sets for a trial and the libraries it
 * preloads (or the workload programs) read, and the line a workload prints
 * for the harness.  Both sides include this header, so a name cannot drift.
 *
 * Only string literals: the preloaded libraries include it too, and may
 * link nothing.
 */
#ifndef NGBENCH_IPC_H
#define NGBENCH_IPC_H

/* The workload's result line on stdout (ngbench/workload.h gives its form):
 * "ngbench-result: metric=NAME value=NUMBER unit=UNIT better=lower|higher ..." */
#define NGB_RESULT_PREFIX "ngbench-result:"

/* A file descriptor on which libngbench-witness.so writes the allocator it
 * found; real programs pass it on to the process they measure. */
#define NGB_WITNESS_FD_ENV "NGBENCH_WITNESS_FD"

/* The file in which libngbench-profile.so writes its profile. */
#define NGB_PROFILE_OUT_ENV "NGBENCH_PROFILE_OUT"

/* Where more plugins are searched, before the installed ones. */
#define NGB_PLUGIN_PATH_ENV "NGBENCH_PLUGIN_PATH"

/* The folder in which libngbench-trace.so writes raw.PID.N
 * (include/ngbench/trace.h calls it NGB_RAW_ENV). */
#define NGB_TRACE_DIR_ENV "NGBENCH_TRACE_DIR"

#endif /* NGBENCH_IPC_H */
