/*
 * workloads/xalan/docgen.cpp - generates the input of the xalanc workload.
 *
 * SPEC's xalancbmk transforms a large XML document; its input is not free,
 * so ngbench generates one with the features that make an XSLT processor
 * allocate: many elements and attributes (nodes), texts of widely varying
 * length (strings), references between records (key lookups) and nesting
 * (numbering).  Everything comes from the seeded RNG of workloads/common.c,
 * so a size and a seed give the same bytes on every machine.
 */
#include "config.h"

#include <cstdio>

#include "../common.h"
#include "docgen.hpp"

namespace {

const char *const syllables[] = {
	"ka", "lo", "mi", "nu", "re", "sa", "ti", "vo", "ze", "po", "qua", "bri",
	"den", "gor", "hal", "jus", "wen", "yst", "fa", "ol",
};

void word(std::string &out, wl_rng &r)
{
	int n = (int)wl_rng_range(&r, 1, 4);

	for (int i = 0; i < n; i++)
		out += syllables[wl_rng_range(&r, 0, sizeof(syllables) / sizeof(*syllables) - 1)];
}

void words(std::string &out, wl_rng &r, int lo, int hi)
{
	int n = (int)wl_rng_range(&r, (uint64_t)lo, (uint64_t)hi);

	for (int i = 0; i < n; i++) {
		if (i)
			out += ' ';
		word(out, r);
	}
}

} // namespace

size_t xalanc_generate(std::string &out, size_t size, uint64_t seed)
{
	wl_rng r;
	size_t items = 0, sections = 0;
	char buf[160];

	wl_rng_seed(&r, seed, 0x78616c616eULL);
	out.reserve(out.size() + size + 4096);
	out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<catalog generator=\"ngbench\">\n";
	while (out.size() < size) {
		snprintf(buf, sizeof(buf), " <section id=\"s%zu\" title=\"", ++sections);
		out += buf;
		words(out, r, 1, 3);
		out += "\">\n";
		for (int k = 0; k < 40 && out.size() < size; k++) {
			items++;
			snprintf(buf, sizeof(buf),
				 "  <item id=\"i%zu\" category=\"c%u\" price=\"%u.%02u\" qty=\"%u\""
				 " ref=\"i%zu\">\n   <name>",
				 items, (unsigned)wl_rng_range(&r, 0, 29),
				 (unsigned)wl_rng_range(&r, 1, 999), (unsigned)wl_rng_range(&r, 0, 99),
				 (unsigned)wl_rng_range(&r, 1, 50), (size_t)wl_rng_range(&r, 1, items));
			out += buf;
			words(out, r, 1, 3);
			out += "</name>\n   <desc>";
			words(out, r, 5, 60);
			out += "</desc>\n";
			for (int t = (int)wl_rng_range(&r, 0, 5); t > 0; t--) {
				snprintf(buf, sizeof(buf), "   <tag>t%u</tag>\n",
					 (unsigned)wl_rng_range(&r, 0, 99));
				out += buf;
			}
			for (int p = 1, n = (int)wl_rng_range(&r, 1, 4); p <= n; p++) {
				snprintf(buf, sizeof(buf), "   <part no=\"%d\">", p);
				out += buf;
				words(out, r, 1, 4);
				out += "</part>\n";
			}
			out += "  </item>\n";
		}
		out += " </section>\n";
	}
	out += "</catalog>\n";
	return items;
}
