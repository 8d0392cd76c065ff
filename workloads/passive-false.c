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
	"the object's self-check pattern instead of their index (their index\n"
	"with --check=none --loop=original), so the pattern can be checked\n"
	"before the free; the default --loop=tight keeps its counters in\n"
	"registers and runs about twice as fast uncontended as the original\n"
	"built with -O0, whose loop --loop=original (the reference preset's)\n"
	"reproduces; the clock runs from before the first thread is created to\n"
	"the last join (the original is timed as a whole process); the result\n"
	"counts the lines shared by the handed objects (handed_shared_lines: the\n"
	"program's own false sharing) and the lines that held objects of two or\n"
	"more threads afterwards (shared_lines: what the allocator let persist).\n"
	"--start=together (not in the original) starts all threads at a common\n"
	"start line.  --seed has no effect.";

int main(int argc, char **argv)
{
	return false_sharing_main(argc, argv, "passive-false", 1, notes);
}
