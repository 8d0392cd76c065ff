/*
 * tests/reports/stats.c - the statistics of the reports against values
 * computed by hand and by enumerating the Mann-Whitney U distribution (all
 * C(m+n, n) arrangements, in a throwaway Python script), and against the
 * values R's wilcox.test gives for the same samples.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "ngbench/report.h"
#include "tap.h"

int main(void)
{
	double v[] = { 14, 9, 13, 11, 12, 10 }, sorted[] = { 9, 10, 11, 12, 13, 14 };
	double base[] = { 10, 12, 11, 13, 9, 14 }, fast[] = { 5, 6, 7, 5.5, 6.5, 8 };
	double a3[] = { 1.1, 2.2, 3.3 }, b2[] = { 4.4, 5.5 };
	double a4[] = { 1, 3, 5, 7 }, b5[] = { 2, 4, 6, 8, 10 };
	double ta[] = { 1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	double tb[] = { 2, 3, 3, 5, 7, 8, 9, 12, 13, 14, 15, 16 };
	double rb[] = { 100, 110, 105 }, rf[] = { 200, 190, 210 };
	double ten[10], twenty[20], ratio, *cnt;
	struct ngb_interval ci;
	struct ngb_mw mw;
	size_t i;

	tap_plan(42);
	expect_dbl_near(ngb_median(v, 6), 11.5, 1e-12, "median of an even count");
	expect_dbl_near(ngb_median(v, 5), 11, 1e-12, "median of an odd count");
	ok(isnan(ngb_median(v, 0)), "median of nothing is NaN");
	expect_dbl_near(ngb_quantile_sorted(sorted, 6, 0.25), 10.25, 1e-12, "p25, type 7");
	expect_dbl_near(ngb_binom_half_cdf(0, 6), 1.0 / 64, 1e-15, "P(B <= 0), n = 6");
	expect_dbl_near(ngb_binom_half_cdf(1, 10), 11.0 / 1024, 1e-15, "P(B <= 1), n = 10");

	/* median intervals: n = 6: [x1, x6] at 1 - 2/64; n = 10: [x2, x9] at 1 - 2*11/1024;
	 * n = 20: [x6, x15] at 1 - 2*P(B <= 5) = 0.95861 */
	expect_int_eq(ngb_median_ci(sorted, 6, 0.95, &ci), 0, "interval for 6 runs");
	expect_dbl_near(ci.lo, 9, 0, "its low end is the minimum");
	expect_dbl_near(ci.level, 0.96875, 1e-12, "with confidence 96.875%%");
	for (i = 0; i < 10; i++)
		ten[i] = (double)i + 1;
	ngb_median_ci(ten, 10, 0.95, &ci);
	ok(ci.lo == 2 && ci.hi == 9, "10 runs: [x(2), x(9)]");
	expect_dbl_near(ci.level, 1 - 22.0 / 1024, 1e-12, "at 97.85%%");
	for (i = 0; i < 20; i++)
		twenty[i] = (double)i + 1;
	ngb_median_ci(twenty, 20, 0.95, &ci);
	ok(ci.lo == 6 && ci.hi == 15, "20 runs: [x(6), x(15)]");
	expect_dbl_near(ci.level, 0.9586105346679688, 1e-12, "at 95.86%%");
	ngb_median_ci(sorted, 3, 0.95, &ci);
	expect_dbl_near(ci.level, 0.75, 1e-12, "3 runs: [min, max] is only a 75%% interval");
	ok(ngb_median_ci(sorted, 1, 0.95, &ci) != 0 && ci.level == 0, "1 run: no interval");

	/* the U distribution of m = 3, n = 2: 10 arrangements, 1 1 2 2 2 1 1 */
	ngb_mw_counts(3, 2, &cnt);
	ok(cnt[0] == 1 && cnt[2] == 2 && cnt[3] == 2 && cnt[6] == 1, "U counts for 3 and 2");
	free(cnt);

	/* exact p-values (R: wilcox.test(c(1.1,2.2,3.3), c(4.4,5.5)) gives p = 0.2) */
	ngb_mann_whitney(a3, 3, b2, 2, &mw);
	ok(mw.exact && mw.u == 6, "exact U = 6");
	expect_dbl_near(mw.p, 0.2, 1e-12, "p = 0.2");
	ngb_mann_whitney(a4, 4, b5, 5, &mw);
	expect_dbl_near(mw.u, 14, 0, "U = 14");
	expect_dbl_near(mw.p, 52.0 / 126, 1e-12, "p = 52/126 = 0.41270 by enumeration");
	ngb_mann_whitney(base, 6, fast, 6, &mw);
	expect_dbl_near(mw.p, 2.0 / 924, 1e-15, "separated samples of 6: p = 2/924");
	/* ties: normal approximation, tie-corrected variance, continuity correction */
	ngb_mann_whitney(ta, 12, tb, 12, &mw);
	ok(!mw.exact && mw.ties, "ties force the normal approximation");
	expect_dbl_near(mw.u, 100, 0, "U = 100 with mid-ranks");
	expect_dbl_near(mw.z, 1.5918713789686298, 1e-9, "z = 1.59187");
	expect_dbl_near(mw.p, 0.11141360766682207, 1e-9, "p = 0.111414");

	/* Hodges-Lehmann ratio and its Mann-Whitney interval (k = 7 of 36 for 6 and 6) */
	ngb_hl_ratio(base, 6, fast, 6, 0.95, &ratio, &ci);
	expect_dbl_near(ratio, 0.547722557505166, 1e-12, "HL ratio = sqrt(0.3)");
	expect_dbl_near(ci.lo, 0.42857142857142866, 1e-12, "interval low 3/7");
	expect_dbl_near(ci.hi, 0.7, 1e-12, "interval high 0.7");
	expect_dbl_near(ci.level, 0.9588744588744589, 1e-12, "confidence 95.89%%");
	ngb_hl_ratio(rb, 3, rf, 3, 0.95, &ratio, &ci);
	expect_dbl_near(ratio, 1.9047619047619047, 1e-12, "HL ratio of 3 and 3");
	expect_dbl_near(ci.level, 0.9, 1e-12, "3 and 3 reach only 90%%: [D(1), D(9)]");

	{
		double g[] = { 1.8257418583505542, 1.9047619047619047 };

		expect_dbl_near(ngb_geomean(g, 2), 1.8648333812207838, 1e-12, "geometric mean");
	}
	/* bootstrap: deterministic from its seed, and the ratio of minima is exact */
	{
		struct ngb_interval c1, c2;
		double r1, r2;

		ngb_bootstrap_ratio(base, 6, fast, 6, 0, 0.95, 2000, 7, &r1, &c1);
		ngb_bootstrap_ratio(base, 6, fast, 6, 0, 0.95, 2000, 7, &r2, &c2);
		expect_dbl_near(r1, 5.0 / 9, 1e-12, "ratio of the minima");
		ok(c1.lo == c2.lo && c1.hi == c2.hi, "same seed, same interval");
		ok(c1.lo <= r1 && r1 <= c1.hi, "the interval holds the estimate");
	}
	/* the bootstrap as a test: p agrees with the interval */
	{
		struct ngb_interval c1, c2;
		double r1, r2, p1, p2;

		ngb_bootstrap_test(base, 6, fast, 6, 0.25, 0.95, 2000, 7, &r1, &c1, &p1);
		ngb_bootstrap_ratio(base, 6, fast, 6, 0.25, 0.95, 2000, 7, &r2, &c2);
		ok(c1.lo == c2.lo && c1.hi == c2.hi && r1 == r2, "the test's interval is the bootstrap's");
		ok(c1.hi < 1 && p1 < 0.05, "an interval below 1 has p < 0.05 (p = %g)", p1);
		ngb_bootstrap_test(base, 6, base, 6, 0.25, 0.95, 2000, 7, &r1, &c1, &p2);
		ok(c1.lo <= 1 && c1.hi >= 1 && p2 > 0.5, "a side against itself: p = %g", p2);
	}
	/* Holm: R's p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02 */
	{
		const double p[] = { 0.01, 0.04, 0.03, 0.005 }, q[] = { 0.01, NAN, 0.02 };
		double adj[4];

		ngb_holm(p, 4, adj);
		expect_dbl_near(adj[0], 0.03, 1e-12, "Holm: 0.01 -> 0.03");
		expect_dbl_near(adj[1], 0.06, 1e-12, "Holm: 0.04 -> 0.06 (monotone)");
		ok(adj[2] == adj[1] && fabs(adj[3] - 0.02) < 1e-12, "Holm: 0.03 -> 0.06, 0.005 -> 0.02");
		ngb_holm(q, 3, adj);
		ok(isnan(adj[1]) && fabs(adj[0] - 0.02) < 1e-12 && fabs(adj[2] - 0.02) < 1e-12,
		   "Holm: NaN is left out of the family of 2");
	}
	return tap_done();
}
