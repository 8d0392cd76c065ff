/*
 * perfmon/machine.c - what this machine lets us count, and why not.
 *
 * Three facts decide it: whether the kernel exposes a CPU PMU (an event
 * source "cpu", or "cpu_core"/"cpu_atom" on hybrid Intel parts, or "armv8_*"
 * and the like in /sys/bus/event_source/devices; virtual machines often have
 * none), kernel.perf_event_paranoid (Documentation/admin-guide/sysctl/
 * kernel.rst), and whether the process holds CAP_PERFMON or CAP_SYS_ADMIN,
 * which lift the paranoid restrictions.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <perfmon/pfmlib_perf_event.h>

#include "internal.h"

#define SYSFS_EVENT_SOURCES "/sys/bus/event_source/devices"
#define PARANOID_FILE "/proc/sys/kernel/perf_event_paranoid"

/* Capability numbers from linux/capability.h (CAP_PERFMON since Linux 5.8). */
#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT 38

int pm_read_paranoid(void)
{
	FILE *f = fopen(PARANOID_FILE, "r");
	int level;

	if (!f)
		return INT_MIN;
	if (fscanf(f, "%d", &level) != 1)
		level = INT_MIN;
	fclose(f);
	return level;
}

int pm_privileged(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	unsigned long long caps = 0;
	char line[256];
	int found = 0;

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			found = 1;
			break;
		}
	}
	fclose(f);
	if (!found)
		return geteuid() == 0;
	return !!(caps & (1ULL << CAP_PERFMON_BIT | 1ULL << CAP_SYS_ADMIN_BIT));
}

/* An event source that is a CPU's hardware PMU, by the kernel's names for it. */
static int is_cpu_pmu(const char *name)
{
	/* x86, POWER, RISC-V: "cpu"; hybrid Intel: "cpu_core", "cpu_atom"; Arm: "armv8_..." */
	return strcmp(name, "cpu") == 0 || strncmp(name, "cpu_", 4) == 0 ||
	       strncmp(name, "armv", 4) == 0;
}

int pm_kernel_has_cpu_pmu(char *list, size_t len)
{
	DIR *d = opendir(SYSFS_EVENT_SOURCES);
	struct dirent *de;
	size_t used = 0;
	int found = 0;

	if (list && len)
		list[0] = '\0';
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		found |= is_cpu_pmu(de->d_name);
		if (list && used + strlen(de->d_name) + 2 < len)
			used += (size_t)snprintf(list + used, len - used, "%s%s",
						 used ? " " : "", de->d_name);
	}
	closedir(d);
	return found;
}

const char *ngb_perfmon_paranoid_meaning(int paranoid)
{
	if (paranoid == INT_MIN)
		return "unknown (no /proc/sys/kernel/perf_event_paranoid: perf events may be "
		       "missing from this kernel)";
	if (paranoid <= -1)
		return "no restriction: any user may count anything, kernel and CPU-wide";
	if (paranoid == 0)
		return "any user may count user and kernel code of their own processes and "
		       "CPU-wide, but not raw tracepoint data";
	if (paranoid == 1)
		return "any user may count user and kernel code of their own processes; "
		       "CPU-wide counting needs CAP_PERFMON";
	if (paranoid == 2)
		return "any user may count their own processes in user space only "
		       "(events must exclude the kernel)";
	return "unprivileged users may not use perf events at all (a Debian/Android "
	       "extension); lower it to 2 or run with CAP_PERFMON";
}

static void list_pfm_pmus(char *buf, size_t len)
{
	pfm_pmu_info_t pinfo;
	size_t used = 0;
	int pmu;

	buf[0] = '\0';
	if (pfm_initialize() != PFM_SUCCESS)
		return;
	pfm_for_all_pmus(pmu) {
		memset(&pinfo, 0, sizeof(pinfo));
		pinfo.size = sizeof(pinfo);
		if (pfm_get_pmu_info(pmu, &pinfo) != PFM_SUCCESS || !pinfo.is_present)
			continue;
		if (used + strlen(pinfo.name) + 2 < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used ? " " : "", pinfo.name);
	}
}

void ngb_perfmon_machine_probe(struct ngb_perfmon_machine *m)
{
	struct perf_event_attr attr;
	int fd;

	memset(m, 0, sizeof(*m));
	m->paranoid = pm_read_paranoid();
	m->privileged = pm_privileged();
	m->kernel_pmu = pm_kernel_has_cpu_pmu(m->kernel_pmus, sizeof(m->kernel_pmus));
	list_pfm_pmus(m->pfm_pmus, sizeof(m->pfm_pmus));

	/* The decisive test: can this process count its own cycles? */
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_CPU_CYCLES;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0) {
		m->hw_probe_errno = 0;
		close(fd);
	} else {
		m->hw_probe_errno = errno;
	}
}
