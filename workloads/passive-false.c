/*
 * workloads/passive-false.c - allocator-induced passive false sharing (the
 * Hoard paper's passive-false); the body is in false-sharing.c.
 */
#include "config.h"

#include "false-sharing.h"

static const char notes[] =
	"How this differs from Hoard's passive-false: main allocates all handed\n"
	"objects before the threads start; the clock starts when all threads\n"
	"wait at the start line and stops when the last is joined; malloc/free\n"
	"(the original freed new[] with delete); every object is filled with an\n"
	"address-derived pattern and checked before it is freed; the result\n"
	"counts the lines shared by the handed objects (handed_shared_lines: the\n"
	"program's own false sharing) and the lines that held objects of two or\n"
	"more threads afterwards (shared_lines: what the allocator let persist).\n"
	"--seed has no effect: nothing is random.";

int main(int argc, char **argv)
{
	return false_sharing_main(argc, argv, "passive-false", 1, notes);
}
