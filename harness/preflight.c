/*
 * harness/preflight.c - what a run needs from its surroundings, checked
 * before the first trial so that a fault is blamed on its cause: a $TMPDIR
 * that is not a writable folder (each trial's output goes there; without
 * the check every trial failed and the allocator was blamed), and a
 * database whose folder cannot be written (SQLite said only "attempt to
 * write a readonly database", naming neither the file nor the folder).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

int preflight_tmpdir(void)
{
	const char *dir = getenv("TMPDIR");
	struct stat st;

	if (!dir || !*dir)
		return 0;   /* /tmp, as the runner uses */
	if (stat(dir, &st))
		return error("TMPDIR='%s' cannot be used: %s; ngbench keeps each trial's output "
			     "there: create the folder or unset TMPDIR", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return error("TMPDIR='%s' is not a folder; ngbench keeps each trial's output there: "
			     "point it at a folder or unset it", dir);
	if (access(dir, W_OK | X_OK))
		return error("TMPDIR='%s' is not writable: %s; ngbench keeps each trial's output "
			     "there: point it at a writable folder or unset it", dir, strerror(errno));
	return 0;
}

int preflight_db(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	int rc = 0;

	if (!dir)
		die("out of memory");
	/* SQLite writes a journal (or WAL) file next to the database */
	if (access(dir, W_OK | X_OK))
		rc = error("cannot write in folder '%s', where the database '%s' and its journal "
			   "live: %s; give --db=PATH in a writable folder", dir, path, strerror(errno));
	else if (access(path, F_OK) == 0 && access(path, W_OK))
		rc = error("cannot write the database '%s': %s; give --db=PATH of a writable file",
			   path, strerror(errno));
	free(dir);
	return rc;
}
