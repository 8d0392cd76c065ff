/*
 * ngbench/ini.h - the one INI reader of ngbench, shared by experiment files
 * (harness/experiment.c) and baseline files (reports/baseline.c).
 *
 * The syntax, and nothing more:
 *	[section]
 *	key = value
 *	; a comment line (or '#', as the caller chooses)
 * Lines have any length.  Spaces and tabs around keys and values, a final CR
 * and a UTF-8 byte-order mark at the start are dropped.  There are no inline
 * comments and no continuation lines: a value runs to the end of its line,
 * ';' and all.  Everything else is an error naming the line:
 *	- a NUL byte (the text after it would otherwise be lost unseen);
 *	- a line that is neither a section, a key = value nor a comment;
 *	- a section that appears twice (unless the caller lets sections repeat,
 *	  as baselines repeat [cell]), naming both lines;
 *	- a key that appears twice in one section (unless the caller declares it
 *	  repeatable, as experiments' 'set'), naming both lines.
 */
#ifndef NGBENCH_INI_H
#define NGBENCH_INI_H

#include <stddef.h>

#include "ngbench/error.h"

struct ngb_ini_item {
	int line;               /* of this key = value, or of the section header */
	const char *section;    /* "" before the first header */
	int section_line;       /* 0 before the first header */
	const char *key;        /* NULL for the section header itself */
	const char *value;
};

struct ngb_ini_syntax {
	const char *comments;           /* characters that start a comment line, e.g. ";#" */
	int sections_repeat;            /* [x] may appear again, starting a new section */
	const char *const *repeatable;  /* NULL-terminated keys that may repeat, or NULL */
};

/* Called for each section header and each key; returns 0 or a negative errno
 * with a message in e (without the line: the reader adds it). */
typedef int ngb_ini_fn(void *user, const struct ngb_ini_item *it, struct ngb_err *e);

/* Reads len bytes of text.  Returns 0, or a negative errno with e holding
 * "line N: what is wrong" (the caller adds the file's name). */
int ngb_ini_parse(const char *text, size_t len, const struct ngb_ini_syntax *syn, ngb_ini_fn *fn,
		  void *user, struct ngb_err *e);

#endif /* NGBENCH_INI_H */
