/*
 * perfmon/events.c - event names -> perf_event_attr (libpfm4) and groups.
 *
 * Every name is encoded once per session with libpfm4's
 * pfm_get_os_event_encoding(PFM_OS_PERF_EVENT_EXT), which knows perf's
 * generic names (cycles, LLC-load-misses, task-clock, ...) and the events of
 * the PMUs it detects from the CPU id.  Encoding needs no PMU in the kernel:
 * on a machine without one the attributes are still exact, and opening them
 * is what fails (attach records that as the counter's status).
 *
 * Groups: a ratio is only meaningful when both counts were taken over the
 * same intervals, so an access count and its miss count (same cache, same
 * operation: LLC-loads with LLC-load-misses) and cycles with instructions
 * are put in one perf group, which the kernel schedules on the PMU as a
 * unit when it multiplexes.  Software events never multiplex and stay
 * alone.  Braces in the list force a group.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <perfmon/pfmlib_perf_event.h>

#include "internal.h"

/*
 * The NextGen-Malloc paper's Table 1 set, in its order, plus task-clock and
 * cpu-migrations; loads next to their misses so that the default groups are
 * easy to read.
 */
const char ngb_perfmon_default_events[] =
	"cycles,instructions,context-switches,page-faults,"
	"LLC-loads,LLC-load-misses,LLC-stores,LLC-store-misses,"
	"dTLB-loads,dTLB-load-misses,dTLB-stores,dTLB-store-misses,"
	"task-clock,cpu-migrations";

/* A group larger than this may not fit the PMU's counters at once. */
#define AUTO_GROUP_MAX 4

static const char *const mode_names[] = {
	[NGB_COUNTERS_NONE] = "none",
	[NGB_COUNTERS_HW] = "hw",
	[NGB_COUNTERS_SIM] = "sim",
};

int ngb_counters_mode_parse(const char *s, enum ngb_counters_mode *out, struct ngb_err *e)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (s && strcmp(s, mode_names[i]) == 0) {
			*out = (enum ngb_counters_mode)i;
			return 0;
		}
	}
	return ngb_err_set(e, -EINVAL, "unknown counters mode '%s': use none, hw or sim",
			   s ? s : "");
}

const char *ngb_counters_mode_name(enum ngb_counters_mode m)
{
	if ((unsigned)m < sizeof(mode_names) / sizeof(mode_names[0]))
		return mode_names[m];
	return "?";
}

const char *ngb_counter_source_name(enum ngb_counter_source s)
{
	switch (s) {
	case NGB_SOURCE_PMU: return "pmu";
	case NGB_SOURCE_SW: return "sw";
	case NGB_SOURCE_SIM: return "sim";
	}
	return "?";
}

const char *ngb_counter_status_name(enum ngb_counter_status s)
{
	switch (s) {
	case NGB_STATUS_OK: return "ok";
	case NGB_STATUS_SCALED: return "scaled";
	case NGB_STATUS_UNSUPPORTED: return "unsupported";
	case NGB_STATUS_DENIED: return "denied";
	case NGB_STATUS_ERROR: return "error";
	}
	return "?";
}

static int pfm_ready(struct ngb_err *e)
{
	/* pfm_initialize() is idempotent: later calls return the first result. */
	int ret = pfm_initialize();

	if (ret != PFM_SUCCESS)
		return ngb_err_set(e, -ENODEV, "cannot initialize libpfm4: %s", pfm_strerror(ret));
	return 0;
}

static int encode_one(struct pm_event *ev, int user_only, struct ngb_err *e)
{
	pfm_perf_encode_arg_t arg;
	char *fstr = NULL;
	int plm = user_only ? PFM_PLM3 : PFM_PLM0 | PFM_PLM3;
	int ret;

	memset(&arg, 0, sizeof(arg));
	memset(&ev->attr, 0, sizeof(ev->attr));
	arg.size = sizeof(arg);
	arg.attr = &ev->attr;
	arg.fstr = &fstr;
	ret = pfm_get_os_event_encoding(ev->name, plm, PFM_OS_PERF_EVENT_EXT, &arg);
	if (ret == PFM_ERR_NOTFOUND)
		return ngb_err_set(e, -ENOENT,
				   "unknown event '%s': 'ngbench perfmon --list' shows the events "
				   "of this machine (libpfm4's showevtinfo too); perf's generic "
				   "names such as cycles, LLC-load-misses or task-clock work "
				   "everywhere", ev->name);
	if (ret != PFM_SUCCESS)
		return ngb_err_set(e, -EINVAL, "cannot encode event '%s': %s", ev->name,
				   pfm_strerror(ret));
	ev->attr.size = sizeof(ev->attr);
	/* The privilege level is stated explicitly, not left to libpfm4's default. */
	ev->attr.exclude_kernel = user_only ? 1 : 0;
	ev->attr.exclude_hv = user_only ? 1 : 0;
	/*
	 * The kernel attributes these to kernel code (they are raised from
	 * the scheduler, with kernel registers), so exclude_kernel drops
	 * every one of them: measured here, "context-switches" with
	 * exclude_kernel reads 0 for a child that slept 20 times.
	 */
	ev->kernel_only = ev->attr.type == PERF_TYPE_SOFTWARE &&
			  (ev->attr.config == PERF_COUNT_SW_CONTEXT_SWITCHES ||
			   ev->attr.config == PERF_COUNT_SW_CPU_MIGRATIONS ||
			   ev->attr.config == PERF_COUNT_SW_CGROUP_SWITCHES);
	switch (ev->attr.type) {
	case PERF_TYPE_SOFTWARE:
	case PERF_TYPE_TRACEPOINT:
		ev->source = NGB_SOURCE_SW;
		break;
	default:
		ev->source = NGB_SOURCE_PMU;
	}
	if (ev->attr.config1 || ev->attr.config2)
		snprintf(ev->encoding, sizeof(ev->encoding),
			 "%s type=%u config=%#llx config1=%#llx config2=%#llx",
			 fstr ? fstr : ev->name, ev->attr.type,
			 (unsigned long long)ev->attr.config,
			 (unsigned long long)ev->attr.config1,
			 (unsigned long long)ev->attr.config2);
	else
		snprintf(ev->encoding, sizeof(ev->encoding), "%s type=%u config=%#llx",
			 fstr ? fstr : ev->name, ev->attr.type,
			 (unsigned long long)ev->attr.config);
	free(fstr);
	return 0;
}

/*
 * The key under which an event is grouped automatically, or 0 for none.
 * Cache events: PERF_TYPE_HW_CACHE config is cache | op << 8 | result << 16
 * (perf_event_open(2)), so the low 16 bits name the cache and operation and
 * access and miss share them.
 */
static unsigned long long group_key(const struct perf_event_attr *a)
{
	switch (a->type) {
	case PERF_TYPE_HW_CACHE:
		return 1ULL << 32 | (a->config & 0xffff);
	case PERF_TYPE_HARDWARE:
		switch (a->config) {
		case PERF_COUNT_HW_CPU_CYCLES:
		case PERF_COUNT_HW_INSTRUCTIONS:
			return 2ULL << 32 | 1;
		case PERF_COUNT_HW_CACHE_REFERENCES:
		case PERF_COUNT_HW_CACHE_MISSES:
			return 2ULL << 32 | 2;
		case PERF_COUNT_HW_BRANCH_INSTRUCTIONS:
		case PERF_COUNT_HW_BRANCH_MISSES:
			return 2ULL << 32 | 3;
		}
		return 0;
	}
	return 0;
}

/*
 * Splits "a,{b,c},d" into events; forced[i] is the explicit group number
 * (from 1) of event i or 0.
 */
static int parse_list(struct ngb_perfmon *pm, const char *list, int **forced, struct ngb_err *e)
{
	size_t cap = 1;
	int depth = 0, ngroups = 0;
	char *copy, *p, *tok;
	int ret = 0;

	for (p = (char *)list; *p; p++)
		cap += *p == ',';
	pm->ev = calloc(cap, sizeof(*pm->ev));
	*forced = calloc(cap, sizeof(**forced));
	copy = strdup(list);
	if (!pm->ev || !*forced || !copy) {
		ret = ngb_err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	for (tok = copy;; tok = p + 1) {
		int opens = 0, closes = 0;
		char *start, *end;

		p = strchr(tok, ',');
		if (p)
			*p = '\0';
		start = tok;
		while (*start == ' ' || *start == '{') {
			opens += *start == '{';
			start++;
		}
		end = start + strlen(start);
		while (end > start && (end[-1] == ' ' || end[-1] == '}')) {
			closes += end[-1] == '}';
			end--;
		}
		*end = '\0';
		if (opens > 1 || closes > 1 || depth + opens > 1 || depth + opens - closes < 0 ||
		    strpbrk(start, "{}")) {
			ret = ngb_err_set(e, -EINVAL,
					  "bad event list '%s': groups are '{a,b}' and do not nest",
					  list);
			goto out;
		}
		if (opens)
			ngroups++;
		depth += opens;
		if (*start) {
			if (strlen(start) >= sizeof(pm->ev[0].name)) {
				ret = ngb_err_set(e, -ENAMETOOLONG, "event name '%s' is too long", start);
				goto out;
			}
			for (size_t i = 0; i < pm->n; i++) {
				if (strcmp(pm->ev[i].name, start) == 0) {
					ret = ngb_err_set(e, -EINVAL, "event '%s' is listed twice",
							  start);
					goto out;
				}
			}
			strcpy(pm->ev[pm->n].name, start);
			(*forced)[pm->n] = depth ? ngroups : 0;
			pm->n++;
		} else if (!opens && !closes) {
			ret = ngb_err_set(e, -EINVAL, "bad event list '%s': empty event name", list);
			goto out;
		}
		depth -= closes;
		if (!p)
			break;
	}
	if (depth) {
		ret = ngb_err_set(e, -EINVAL, "bad event list '%s': '{' without '}'", list);
		goto out;
	}
	if (pm->n == 0)
		ret = ngb_err_set(e, -EINVAL, "bad event list '%s': no event", list);
out:
	free(copy);
	return ret;
}

/* Assigns group numbers and leaders; see the comment at the top. */
static void form_groups(struct ngb_perfmon *pm, const int *forced)
{
	int ngroups = 0;

	for (size_t i = 0; i < pm->n; i++) {
		struct pm_event *ev = &pm->ev[i];
		unsigned long long key = forced[i] ? 0 : group_key(&ev->attr);

		ev->group = -1;
		for (size_t j = 0; j < i && ev->group < 0; j++) {
			struct pm_event *o = &pm->ev[j];
			size_t members = 0;

			if (o->leader != (int)j)
				continue;
			if (forced[i]) {
				if (forced[j] == forced[i])
					ev->group = o->group;
				continue;
			}
			if (!key || forced[j] || group_key(&o->attr) != key)
				continue;
			for (size_t k = 0; k < i; k++)
				members += pm->ev[k].group == o->group;
			if (members < AUTO_GROUP_MAX)
				ev->group = o->group;
		}
		if (ev->group < 0) {
			ev->group = ngroups++;
			ev->leader = (int)i;
		} else {
			for (size_t j = 0; j < i; j++) {
				if (pm->ev[j].group == ev->group) {
					ev->leader = (int)j;
					break;
				}
			}
		}
	}
}

int ngb_perfmon_new(struct ngb_perfmon **out, const struct ngb_perfmon_config *cfg,
		    struct ngb_err *e)
{
	const char *list = cfg && cfg->events && *cfg->events ? cfg->events
							       : ngb_perfmon_default_events;
	struct ngb_perfmon *pm;
	int *forced = NULL;
	int ret;

	*out = NULL;
	ret = pfm_ready(e);
	if (ret)
		return ret;
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	pm->paranoid = pm_read_paranoid();
	pm->privileged = pm_privileged();
	pm->kernel_pmu = pm_kernel_has_cpu_pmu(NULL, 0);
	if (cfg && (cfg->user_only == 0 || cfg->user_only == 1)) {
		pm->user_only = cfg->user_only;
	} else {
		/* Levels 2 and up forbid counting the kernel to the unprivileged. */
		pm->user_only = !pm->privileged && pm->paranoid >= 2;
		pm->user_only_forced = pm->user_only;
	}

	ret = parse_list(pm, list, &forced, e);
	for (size_t i = 0; ret == 0 && i < pm->n; i++)
		ret = encode_one(&pm->ev[i], pm->user_only, e);
	if (ret) {
		free(forced);
		ngb_perfmon_free(pm);
		return ret;
	}
	form_groups(pm, forced);
	free(forced);
	*out = pm;
	return 0;
}

void ngb_perfmon_free(struct ngb_perfmon *pm)
{
	if (!pm)
		return;
	free(pm->ev);
	free(pm);
}

size_t ngb_perfmon_nevents(const struct ngb_perfmon *pm)
{
	return pm->n;
}

const char *ngb_perfmon_event_name(const struct ngb_perfmon *pm, size_t i)
{
	return i < pm->n ? pm->ev[i].name : NULL;
}

int ngb_perfmon_event_group(const struct ngb_perfmon *pm, size_t i)
{
	return i < pm->n ? pm->ev[i].group : -1;
}

int ngb_perfmon_event_is_leader(const struct ngb_perfmon *pm, size_t i)
{
	return i < pm->n && pm->ev[i].leader == (int)i;
}

const char *ngb_perfmon_event_encoding(const struct ngb_perfmon *pm, size_t i)
{
	return i < pm->n ? pm->ev[i].encoding : NULL;
}

enum ngb_counter_source ngb_perfmon_event_source(const struct ngb_perfmon *pm, size_t i)
{
	return i < pm->n ? pm->ev[i].source : NGB_SOURCE_PMU;
}

int ngb_perfmon_user_only(const struct ngb_perfmon *pm)
{
	return pm->user_only;
}

int ngb_perfmon_list_events(int (*fn)(const char *name, const char *desc, void *arg), void *arg,
			    struct ngb_err *e)
{
	pfm_pmu_info_t pinfo;
	pfm_event_info_t einfo;
	char name[256];
	int ret = pfm_ready(e);
	int pmu;

	if (ret)
		return ret;
	pfm_for_all_pmus(pmu) {
		memset(&pinfo, 0, sizeof(pinfo));
		pinfo.size = sizeof(pinfo);
		if (pfm_get_pmu_info(pmu, &pinfo) != PFM_SUCCESS || !pinfo.is_present)
			continue;
		for (int i = pinfo.first_event; i != -1; i = pfm_get_event_next(i)) {
			memset(&einfo, 0, sizeof(einfo));
			einfo.size = sizeof(einfo);
			if (pfm_get_event_info(i, PFM_OS_PERF_EVENT_EXT, &einfo) != PFM_SUCCESS)
				continue;
			snprintf(name, sizeof(name), "%s::%s", pinfo.name, einfo.name);
			ret = fn(name, einfo.desc ? einfo.desc : "", arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}
