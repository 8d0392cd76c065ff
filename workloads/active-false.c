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
	"are the object's self-check pattern instead of their index (their index\n"
	"with --check=none --loop=original), so the pattern can be checked\n"
	"before the free; the default --loop=tight keeps its counters in\n"
	"registers and runs about twice as fast uncontended as the original\n"
	"built with -O0, whose loop --loop=original (the reference preset's)\n"
	"reproduces; the clock runs from before the first thread is created to\n"
	"the last join (the original is timed as a whole process); the result\n"
	"counts the cache lines that held objects of two or more threads\n"
	"(shared_lines), so false sharing is seen, not guessed from timing.\n"
	"--start=together (not in the original) gives every thread its first\n"
	"object before a common start line, so that the first objects of all\n"
	"threads are live at once.  With one thread only one object is live at a\n"
	"time.  --seed has no effect: nothing is random.";

int main(int argc, char **argv)
{
	return false_sharing_main(argc, argv, "active-false", 0, notes);
}
