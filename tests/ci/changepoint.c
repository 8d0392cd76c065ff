/*
 * tests/ci/changepoint.c - E-divisive means (reports/changepoint.c) against
 * known values: Q-hat computed by hand for two splits, and for a noisy step
 * by a throwaway Python script that sums the distances directly
 * (O(n^2) per split, the formula of Matteson & James with alpha = 1):
 *	x = 5.1 4.9 5.3 5.0 5.2 6.8 7.1 6.9 7.0 7.3 6.7
 *	Q(tau = 1..10) = 1.1313131313 2.5 3.6363636364 6.0606060606
 *	                 8.9090909091 6.1818181818 3.8181818182 2.3636363636
 *	                 1.0909090909 0.6868686869
 * so the best split with segments of at least 3 is tau = 5, Q = 98/11.
 * Then the whole search: a clear step is found where it is, a single spike
 * and a change below the minimum magnitude are not, two steps are two
 * change points, and the same data always give the same answer.
 */
#include "config.h"

#include <math.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ngbench/report.h"
#include "tap.h"

int main(void)
{
	double step01[] = { 0, 0, 0, 1, 1, 1 };
	double wide[] = { 1, 2, 3, 10, 11, 12 };
	double noisy[] = { 5.1, 4.9, 5.3, 5.0, 5.2, 6.8, 7.1, 6.9, 7.0, 7.3, 6.7 };
	static const double py_q[] = { 1.1313131313, 2.5, 3.6363636364, 6.0606060606,
				       8.9090909091, 6.1818181818, 3.8181818182, 2.3636363636,
				       1.0909090909, 0.6868686869 };
	/* a step of +20 % after 10 sessions, with +-1 % noise */
	double step[20], spike[20], small[20], two[30];
	struct ngb_cp_options o = { 0.05, 199, 0.05, 3, 42 };
	size_t *cps, ncps, *cps2, ncps2, tau, i;
	double q;
	int same;

	tap_plan(24);
	expect_dbl_near(ngb_cp_qhat(step01, 6, 3), 3, 1e-12, "Q of 000|111 is 3 (by hand)");
	expect_dbl_near(ngb_cp_qhat(wide, 6, 3), 23, 1e-12, "Q of 1 2 3|10 11 12 is 23 (by hand)");
	same = 1;
	for (i = 1; i < 11; i++)
		same &= fabs(ngb_cp_qhat(noisy, 11, i) - py_q[i - 1]) < 1e-9;
	ok(same, "Q of every split of the noisy step equals the independent script's");
	expect_int_eq(ngb_cp_best_split(noisy, 0, 11, 3, &tau, &q), 0, "best split found");
	expect_int_eq((int)tau, 5, "at 5, where the step is");
	expect_dbl_near(q, 98.0 / 11, 1e-9, "with Q = 98/11");
	expect_int_eq(ngb_cp_best_split(noisy, 0, 5, 3, &tau, &q), -EDOM,
		      "five points cannot be split into segments of three");
	ok(isnan(ngb_cp_qhat(noisy, 11, 0)), "no split at 0");

	for (i = 0; i < 20; i++) {
		double wobble = (i % 3 == 0 ? 0.01 : i % 3 == 1 ? -0.01 : 0);

		step[i] = (i < 10 ? 100 : 120) * (1 + wobble);
		spike[i] = 100 * (1 + wobble) * (i == 12 ? 1.5 : 1);
		small[i] = (i < 10 ? 100 : 102) * (1 + wobble / 4);
	}
	for (i = 0; i < 30; i++)
		two[i] = (i < 10 ? 50 : i < 20 ? 60 : 45) * (1 + (i % 2 ? 0.005 : -0.005));

	expect_int_eq(ngb_cp_find(step, 20, &o, &cps, &ncps), 0, "step: search runs");
	expect_int_eq((int)ncps, 1, "step: one change point");
	expect_int_eq(ncps ? (int)cps[0] : -1, 10, "step: at session 10");
	free(cps);

	expect_int_eq(ngb_cp_find(spike, 20, &o, &cps, &ncps), 0, "spike: search runs");
	expect_int_eq((int)ncps, 0, "spike: a single +50 %% session is no change point");
	free(cps);

	expect_int_eq(ngb_cp_find(small, 20, &o, &cps, &ncps), 0, "small: search runs");
	expect_int_eq((int)ncps, 0, "small: a real +2 %% step is below the 5 %% magnitude");
	free(cps);
	o.min_magnitude = 0.01;
	expect_int_eq(ngb_cp_find(small, 20, &o, &cps, &ncps), 0, "small at 1 %%: search runs");
	expect_int_eq((int)ncps, 1, "small at 1 %%: the +2 %% step is found");
	expect_int_eq(ncps ? (int)cps[0] : -1, 10, "small at 1 %%: at session 10");
	free(cps);
	o.min_magnitude = 0.05;

	expect_int_eq(ngb_cp_find(two, 30, &o, &cps, &ncps), 0, "two steps: search runs");
	expect_int_eq((int)ncps, 2, "two steps: two change points");
	ok(ncps == 2 && cps[0] == 10 && cps[1] == 20, "two steps: at 10 and 20");
	expect_int_eq(ngb_cp_find(two, 30, &o, &cps2, &ncps2), 0, "two steps again");
	ok(ncps == ncps2 && (!ncps || !memcmp(cps, cps2, ncps * sizeof(*cps))),
	   "the same data give the same change points (fixed seed)");
	free(cps);
	free(cps2);

	expect_int_eq(ngb_cp_find(noisy, 2, &o, &cps, &ncps), 0, "two points: nothing to split");
	free(cps);
	return tap_done();
}
