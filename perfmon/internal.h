/*
 * perfmon/internal.h - private declarations of the perfmon part.
 *
 * Nothing outside perfmon/ includes this file; the public interface is
 * include/ngbench/perfmon.h.
 */
#ifndef NGBENCH_PERFMON_INTERNAL_H
#define NGBENCH_PERFMON_INTERNAL_H

#include <perfmon/pfmlib_perf_event.h>

#include "ngbench/perfmon.h"

struct pm_event {
	char name[NGB_COUNTER_EVENT_MAX];
	char encoding[NGB_COUNTER_ENCODING_MAX];
	struct perf_event_attr attr; /* as encoded; attach adds the open flags */
	enum ngb_counter_source source;
	int group;  /* group number, from 0 in order of first appearance */
	int leader; /* index of the group's leader (itself for a leader) */
	/*
	 * A software event that only happens in kernel code (a context
	 * switch, a migration): with the kernel excluded it would read zero,
	 * so in user-only sessions it is not opened but reported.
	 */
	int kernel_only;
};

struct ngb_perfmon {
	struct pm_event *ev;
	size_t n;
	int user_only;
	int user_only_forced; /* by perf_event_paranoid, not by the caller */
	/* What the machine said when the session began, for the reasons. */
	int paranoid;
	int privileged;
	int kernel_pmu;
};

/* machine.c */
int pm_read_paranoid(void);
int pm_privileged(void);
int pm_kernel_has_cpu_pmu(char *list, size_t len);

/* counting.c: the reason text for an open() that failed with err. */
void pm_reason(const struct ngb_perfmon *pm, const struct pm_event *ev, int err,
	       char *buf, size_t len);
/*
 * Whether ev cannot be counted in this session because it only occurs in
 * the kernel and the session excludes the kernel; fills status and reason.
 */
int pm_kernel_only_excluded(const struct ngb_perfmon *pm, const struct pm_event *ev,
			    enum ngb_counter_status *status, char *reason, size_t len);

#endif /* NGBENCH_PERFMON_INTERNAL_H */
