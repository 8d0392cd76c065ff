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
	"--writes): malloc/free rather than new[]/delete; the bytes written are\n"
	"the object's self-check pattern instead of their index, so the pattern\n"
	"can be checked before the free; the clock runs from before the first\n"
	"thread is created to the last join (the original is timed as a whole\n"
	"process); the result counts the lines shared by the handed objects\n"
	"(handed_shared_lines: the program's own false sharing) and the lines\n"
	"that held objects of two or more threads afterwards (shared_lines: what\n"
	"the allocator let persist).  --start=together (not in the original)\n"
	"starts all threads at a common start line.  --seed has no effect.";

int main(int argc, char **argv)
{
	return false_sharing_main(argc, argv, "passive-false", 1, notes);
}
