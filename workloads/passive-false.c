/*
 * workloads/passive-false.c - allocator-induced passive false sharing (the
 * Hoard paper's passive-false, Hoard's cache-scratch); the body is in
 * false-sharing.c.
 */
#include "config.h"

#include "false-sharing.h"

static const char notes[] =
	"How this differs from Hoard's cache-scratch (\"cache-scratch THREADS\n"
	"ITERATIONS SIZE REPETITIONS P\" = --threads --iterations --size\n"
	"--writes): malloc/free rather than new[]/delete;\n"
	FALSE_SHARING_NOTES_BODY
	"the result counts the lines\n"
	"shared by the handed objects (handed_shared_lines: the program's own\n"
	"false sharing) and the lines that held objects of two or more threads\n"
	"afterwards (shared_lines: what the allocator let persist).\n"
	"--start=together (not in the original) starts all threads at a common\n"
	"start line.  --seed has no effect.";

int main(int argc, char **argv)
{
	return false_sharing_main(argc, argv, "passive-false", 1, notes);
}
