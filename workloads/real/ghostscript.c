/*
 * workloads/real/ghostscript.c - the ghostscript workload: gs, under the
 * allocator, interprets a generated multi-page PostScript document and
 * renders it to the nullpage device.  Each page, inside save/restore,
 * draws filled and stroked paths, sets text in three fonts at several
 * sizes, builds a dictionary and strings per shape, and sums an array of
 * the page's numbers.  Ghostscript's own memory manager takes its chunks,
 * and the font, path and colour caches their blocks, from malloc.
 *
 * Self-check: every page prints "ngb-page PAGE SUM" before showpage; the
 * page count and each sum (computed by the generator) must match.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common.h"
#include "proc.h"

static const char notes[] =
	"Runs 'gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=nullpage FILE' with the\n"
	"allocator preloaded; the document is generated from the seed.  The metric\n"
	"is the wall time of the gs process, start-up included (about 60 ms).";

static const char *const fonts[] = { "Helvetica", "Times-Roman", "Courier-Bold" };

int main(int argc, char **argv)
{
	wl_init(argc, argv, "ghostscript", notes);
	long pages = (long)wl_int("pages"), shapes = (long)wl_int("shapes");
	uint64_t seed = (uint64_t)wl_int("seed");
	double secs;
	struct rp_buf ps = { 0 }, want = { 0 };
	struct wl_rng rng;
	const char *doc, *out;
	char *got, *line;
	size_t got_len;
	long seen = 0;

	rp_init("ghostscript");
	rp_require("gs", "ghostscript");
	wl_rng_seed(&rng, seed, 0);
	rp_printf(&ps, "%%!PS-Adobe-3.0\n%%%%Pages: %ld\n"
		       "/shape { 6 dict begin /h exch def /w exch def /y exch def /x exch def\n"
		       "  /label 40 string def /r 12 array def\n"
		       "  newpath x y moveto w 0 rlineto 0 h rlineto w neg 0 rlineto closepath\n"
		       "  gsave fill grestore 0 setgray stroke end } bind def\n",
		  pages);
	for (long p = 1; p <= pages; p++) {
		long long sum = 0;

		rp_printf(&ps, "%%%%Page: %ld %ld\nsave\n", p, p);
		for (long s = 0; s < shapes; s++) {
			long x = (long)wl_rng_range(&rng, 20, 560), y = (long)wl_rng_range(&rng, 20, 800);
			long w = (long)wl_rng_range(&rng, 4, 60), h = (long)wl_rng_range(&rng, 4, 60);
			long f = (long)wl_rng_range(&rng, 0, 2), size = (long)wl_rng_range(&rng, 6, 30);

			rp_printf(&ps, "%.3f %.3f %.3f setrgbcolor %ld %ld %ld %ld shape\n",
				  (double)wl_rng_range(&rng, 0, 1000) / 1000,
				  (double)wl_rng_range(&rng, 0, 1000) / 1000,
				  (double)wl_rng_range(&rng, 0, 1000) / 1000, x, y, w, h);
			rp_printf(&ps, "/%s findfont %ld scalefont setfont %ld %ld moveto (w%ld-%ld) show\n",
				  fonts[f], size, x, y, p, s);
			if (s % 10 == 0)
				rp_printf(&ps, "newpath %ld %ld moveto %ld %ld %ld %ld %ld %ld curveto "
					       "%ld setlinewidth stroke\n",
					  x, y, x + w, y + h, x - h, y + w, x + 2 * w, y, (long)(s % 5 + 1));
		}
		rp_printf(&ps, "[");
		for (long s = 0; s < shapes; s++) {
			long v = (long)wl_rng_range(&rng, 0, 100000);

			sum += v;
			rp_printf(&ps, " %ld", v);
		}
		rp_printf(&ps, " ] 0 exch { add } forall\n"
			       "(ngb-page %ld ) print 20 string cvs print (\\n) print flush\n"
			       "restore showpage\n",
			  p);
		rp_printf(&want, "ngb-page %ld %lld\n", p, sum);
	}
	rp_printf(&ps, "%%%%EOF\n");
	doc = rp_path("doc.ps");
	out = rp_path("gs.out");
	rp_write_file(doc, ps.p, ps.len);

	char *args[] = { "gs", "-q", "-dSAFER", "-dNOPAUSE", "-dBATCH", "-sDEVICE=nullpage",
			 (char *)doc, NULL };
	secs = rp_measure("gs", args, NULL, out);
	got = rp_slurp(out, &got_len);
	for (line = got ? strstr(got, "ngb-page ") : NULL; line; line = strstr(line + 1, "ngb-page "))
		seen++;
	if (seen != pages)
		rp_fail("self-check failed: gs rendered %ld pages, the document has %ld", seen, pages);
	if (!strstr(got, want.p))
		rp_fail("self-check failed: a page's sum printed by gs differs from the generator's");
	wl_result("seconds", secs, "s", 0,
		  " pages=%ld shapes=%ld document_bytes=%zu checksum=0x%016llx", pages, shapes, ps.len,
		  (unsigned long long)rp_fnv(RP_FNV_INIT, got, got_len));
	free(got);
	rp_buf_free(&ps);
	rp_buf_free(&want);
	return 0;
}
