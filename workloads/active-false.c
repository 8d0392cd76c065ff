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
	"--writes): malloc/free rather than new[]/delete[]; the bytes written\n"
	"are the object's self-check pattern instead of their index, so the\n"
	"pattern can be checked before the free; the clock runs from before the\n"
	"first thread is created to the last join (the original is timed as a\n"
	"whole process); the result counts the cache lines that held objects of\n"
	"two or more threads (shared_lines), so false sharing is seen, not\n"
	"guessed from timing.  --start=together (not in the original) gives\n"
	"every thread its first object before a common start line, so that the\n"
	"first objects of all threads are live at once.  With one thread only\n"
	"one object is live at a time.  --seed has no effect: nothing is random.";

int main(int argc, char **argv)
{
	return false_sharing_main(argc, argv, "active-false", 0, notes);
}
