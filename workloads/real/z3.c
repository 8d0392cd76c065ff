/*
 * workloads/real/z3.c - the z3 workload: z3, under the allocator, solves a
 * generated SMT-LIB 2 file of problems, each between push and pop:
 *   - satisfiable ones (even numbers): integer variables with a planted
 *     solution, linear inequalities over 3 to 5 of them that the planted
 *     solution satisfies, and disjunctions of bounds that it satisfies too
 *     (simplex, branch and bound, case splits);
 *   - unsatisfiable ones (odd numbers): the pigeonhole principle, holes+1
 *     pigeons in holes holes, in propositional logic (exponential for
 *     resolution: CDCL search with many learnt clauses).
 * z3 takes its terms, clauses and solver state from malloc (through its
 * own small-object pools for some of them).
 *
 * Self-check: the answers (sat/unsat, one per problem) are known by
 * construction and must match in order.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common.h"
#include "proc.h"

static const char notes[] =
	"Runs 'z3 -smt2 FILE' with the allocator preloaded; the problem set is\n"
	"generated from the seed and every answer is known by construction.  The\n"
	"metric is the wall time of the z3 process.";

static void sat_problem(struct rp_buf *b, struct wl_rng *r, long vars)
{
	long *val = calloc((size_t)vars, sizeof(long));

	if (!val)
		rp_fail("out of memory");
	for (long v = 0; v < vars; v++) {
		val[v] = (long)wl_rng_range(r, 0, 80) - 40;
		rp_printf(b, "(declare-const x%ld Int)(assert (<= -60 x%ld 60))\n", v, v);
	}
	for (long c = 0; c < vars * 2; c++) {
		long k = (long)wl_rng_range(r, 3, 5), lhs = 0;

		rp_printf(b, "(assert (<= (+");
		for (long t = 0; t < k; t++) {
			long v = (long)wl_rng_range(r, 0, (uint64_t)vars - 1);
			long coef = (long)wl_rng_range(r, 1, 19) - 10;

			lhs += coef * val[v];
			rp_printf(b, " (* %ld x%ld)", coef, v);
		}
		rp_printf(b, ") %ld))\n", lhs + (long)wl_rng_range(r, 0, 2));
	}
	for (long c = 0; c < vars; c++) {
		long a = (long)wl_rng_range(r, 0, (uint64_t)vars - 1);
		long z = (long)wl_rng_range(r, 0, (uint64_t)vars - 1);

		/* the planted solution satisfies one side or the other */
		rp_printf(b, "(assert (or (>= x%ld %ld) (<= (+ x%ld x%ld) %ld)))\n", a,
			  val[a] - (long)wl_rng_range(r, 0, 3), a, z,
			  val[a] + val[z] + (long)wl_rng_range(r, 0, 3) - 6);
	}
	free(val);
}

static void pigeonhole(struct rp_buf *b, long holes)
{
	for (long p = 0; p <= holes; p++)
		for (long h = 0; h < holes; h++)
			rp_printf(b, "(declare-const p%ld_%ld Bool)\n", p, h);
	for (long p = 0; p <= holes; p++) {
		rp_printf(b, "(assert (or");
		for (long h = 0; h < holes; h++)
			rp_printf(b, " p%ld_%ld", p, h);
		rp_printf(b, "))\n");
	}
	for (long h = 0; h < holes; h++)
		for (long p = 0; p <= holes; p++)
			for (long q = p + 1; q <= holes; q++)
				rp_printf(b, "(assert (not (and p%ld_%ld p%ld_%ld)))\n", p, h, q, h);
}

int main(int argc, char **argv)
{
	wl_init(argc, argv, "z3", notes);
	long problems = (long)wl_int("problems"), vars = (long)wl_int("vars");
	long holes = (long)wl_int("holes");
	uint64_t seed = (uint64_t)wl_int("seed");
	double secs;
	struct rp_buf smt = { 0 }, want = { 0 };
	struct wl_rng rng;
	const char *file, *out;
	char *got;
	size_t got_len;

	rp_init("z3");
	rp_require("z3", "z3");
	wl_rng_seed(&rng, seed, 0);
	rp_printf(&smt, "(set-logic ALL)\n(set-option :random-seed %llu)\n",
		  (unsigned long long)(seed % 1000000));
	for (long i = 0; i < problems; i++) {
		rp_printf(&smt, "(push 1)\n");
		if (i % 2 == 0)
			sat_problem(&smt, &rng, vars);
		else
			pigeonhole(&smt, holes);
		rp_printf(&smt, "(check-sat)\n(pop 1)\n");
		rp_printf(&want, "%s\n", i % 2 == 0 ? "sat" : "unsat");
	}
	file = rp_path("problems.smt2");
	out = rp_path("z3.out");
	rp_write_file(file, smt.p, smt.len);

	char *args[] = { "z3", "-smt2", (char *)file, NULL };
	secs = rp_measure("z3", args, NULL, out);
	got = rp_slurp(out, &got_len);
	if (!got || strcmp(got, want.p)) {
		long line = 1;
		size_t i = 0;

		for (; got && got[i] && got[i] == want.p[i]; i++)
			line += got[i] == '\n';
		rp_fail("self-check failed: z3's answer to problem %ld differs: got '%.20s', "
			"expected '%.20s'", line, got ? got + i : "", want.p + i);
	}
	wl_result("seconds", secs, "s", 0,
		  " problems=%ld vars=%ld holes=%ld smt_bytes=%zu checksum=0x%016llx", problems, vars,
		  holes, smt.len, (unsigned long long)rp_fnv(RP_FNV_INIT, got, got_len));
	free(got);
	rp_buf_free(&smt);
	rp_buf_free(&want);
	return 0;
}
