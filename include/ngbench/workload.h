/*
 * ngbench/workload.h - the workload registry.
 *
 * A workload is a standalone program (workloads/<program>) that is useful on
 * its own.  The registry tells the harness how to run it: its parameters
 * (passed as --name=value, validated here before a session starts and again
 * by the program), its presets, which parameter is the thread count, and its
 * primary metric.
 *
 * Contract of a workload program:
 *   - exit 0 on success, 77 when it cannot run here, 1 on failure (a
 *     self-check that fails prints the address and exits 1), 2 on bad usage;
 *   - prints exactly one result record on stdout (see below) on success.
 *
 * The result record is one line on standard output:
 *
 *   ngbench-result: metric=NAME value=NUMBER unit=UNIT better=lower|higher [KEY=VALUE]...
 *
 * KEY matches [a-z0-9_.-]+, VALUE has no white space.  Extra pairs are free
 * (counts, checksums, ...); a numeric VALUE is stored as a number.  When a
 * program prints several records, the last one counts.
 */
#ifndef NGBENCH_WORKLOAD_H
#define NGBENCH_WORKLOAD_H

#include <stddef.h>

enum ngb_param_type {
	NGB_PARAM_INT,    /* integer in [min, max] */
	NGB_PARAM_SIZE,   /* bytes, accepts 4K, 1M, 2G; in [min, max] */
	NGB_PARAM_DOUBLE, /* real in [min, max] */
	NGB_PARAM_STRING, /* free text; choices (if set) is a '|' list */
};

struct ngb_workload_param {
	const char *name;    /* long option without "--" */
	enum ngb_param_type type;
	const char *def;     /* default, as it would be written on the command line */
	double min, max;     /* bounds for numbers */
	const char *choices; /* for strings: "a|b|c", or NULL for any */
	const char *help;    /* one line */
};

/*
 * quick, standard and full size a run (about 1, 10 and 60 s); reference is
 * the command line of the published program a workload reproduces, as
 * mimalloc-bench's bench.sh (or Hoard's own benchmark) runs it, with what
 * that program writes into its blocks and no self-check: what
 * bench/peers.sh compares with the program itself.
 */
enum ngb_preset {
	NGB_PRESET_QUICK,
	NGB_PRESET_STANDARD,
	NGB_PRESET_FULL,
	NGB_PRESET_REFERENCE,
	NGB_PRESET_COUNT
};

struct ngb_workload {
	const char *name;     /* [a-z0-9-]+ */
	const char *summary;  /* one line */
	const char *program;  /* file name under the workloads directory */
	const struct ngb_workload_param *params; /* terminated by { NULL } */
	/* "name=value name=value" overrides of the defaults, per preset;
	 * NULL for reference where the workload reproduces no published
	 * program (every workload has the other three). */
	const char *presets[NGB_PRESET_COUNT];
	/* "name=value ..." overrides for a run well under a second: what the
	 * tests run under every allocator (tests/lists.sh); NULL only for a
	 * workload that needs the user's parameters (group "user"). */
	const char *smoke;
	const char *threads_param; /* the parameter that is the thread count, or NULL */
	const char *metric;   /* primary metric name, as in the result record */
	const char *unit;
	int higher_is_better;
	/* Build feature the program needs ("xalan"), or NULL; if it was not
	 * built, unavailable_fix says how to get it. */
	const char *requires;
	const char *unavailable_fix;
	/* Programs (space-separated) that must be found in PATH, or NULL: a
	 * real program driven by a workload (redis-server, sqlite3). */
	const char *commands;
	/* NULL for the benchmark programs that "all" selects; otherwise the
	 * name of a group that selects them instead ("real": the installed
	 * programs; "user": needs the user's parameters, never a group). */
	const char *group;
};

/* The registry, terminated by an entry whose name is NULL. */
extern const struct ngb_workload ngb_workloads[];

const struct ngb_workload *ngb_workload_find(const char *name);
const struct ngb_workload_param *ngb_workload_param_find(const struct ngb_workload *w,
							  const char *name);
/*
 * Checks text as a value of p: its type (sizes take K, M, G suffixes), its
 * bounds and its choices.  Returns 0 with the number in *num (0 for text),
 * or -1 with a message without the parameter's name in err.  The harness
 * (ngbench run --set) and the workload programs use this one rule.
 */
int ngb_workload_param_parse(const struct ngb_workload_param *p, const char *text, double *num,
			     char *err, size_t errlen);

const char *ngb_preset_name(enum ngb_preset p);
int ngb_preset_parse(const char *s, enum ngb_preset *out);
/* The preset names for an error message, in preset order */
#define NGB_PRESET_CHOICES "quick, standard, full or reference"
/* What a preset is, for help texts: "quick (~1 s), ..., or reference (...)" */
extern const char ngb_preset_help[];
/* Writes the names of the workloads that have a reference preset into buf,
 * separated by ", " (truncated to len - 1 characters). */
void ngb_preset_reference_list(char *buf, size_t len);

#endif /* NGBENCH_WORKLOAD_H */
