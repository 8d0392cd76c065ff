/*
 * workloads/active-false.c - allocator-induced active false sharing (the
 * Hoard paper's active-false); the body is in false-sharing.c.
 */
#include "config.h"

#include "false-sharing.h"

static const char notes[] =
	"How this differs from Hoard's active-false: the clock starts when all\n"
	"threads wait at the start line (each already holding its first object,\n"
	"so that the first objects of all threads are live at once) and stops\n"
	"when the last is joined; objects are allocated with malloc and freed\n"
	"with free (the original freed new[] with delete); every object is\n"
	"filled with an address-derived pattern and checked before it is freed;\n"
	"the result counts the cache lines that held objects of two or more\n"
	"threads (shared_lines), so false sharing is seen, not guessed from\n"
	"timing.  With one thread only one object is live at a time.  --seed has\n"
	"no effect: nothing is random.";

int main(int argc, char **argv)
{
	return false_sharing_main(argc, argv, "active-false", 0, notes);
}
