/*
 * workloads/active-false.c - allocator-induced active false sharing (the
 * Hoard paper's active-false, Hoard's cache-thrash); the body is in
 * false-sharing.c.
 */
#include "config.h"

#include "false-sharing.h"

static const char notes[] =
	"How this differs from Hoard's cache-thrash (\"cache-thrash THREADS\n"
	"ITERATIONS SIZE REPETITIONS P\" = --threads --iterations --size\n"
	"--writes): malloc/free rather than new[]/delete[];\n"
	FALSE_SHARING_NOTES_BODY
	"the result counts the cache\n"
	"lines that held objects of two or more threads (shared_lines), so\n"
	"false sharing is seen, not guessed from timing.  --start=together (not\n"
	"in the original) gives every thread its first object before a common\n"
	"start line, so that the first objects of all threads are live at once.\n"
	"With one thread only one object is live at a time.  --seed has no\n"
	"effect: nothing is random.";

int main(int argc, char **argv)
{
	return false_sharing_main(argc, argv, "active-false", 0, notes);
}
