/*
 * workloads/xalan/xalanc.cpp - the xalancbmk-like workload: the real
 * Xalan-C XSLT processor, in-process (XalanTransformer), parsing a
 * generated document and running five stylesheets over it, as SPEC CPU2017's
 * 523.xalancbmk_r does with its own input.  The NextGen-Malloc paper
 * (Li et al., HotOS 2023) reports up to 1.72x between glibc and mimalloc on
 * xalancbmk, with about 280 million malloc/free calls.
 *
 * Timed: per thread, 'iterations' times: parse the document, run every
 * stylesheet (transform + serialize to a callback), free the parsed
 * document.  Not timed: generating the document, compiling the
 * stylesheets, Xalan's start-up and tear-down.
 *
 * Self-check: the output of every iteration in every thread must hash to
 * the same 64-bit FNV-1a checksum (and to --expect when given).  With
 * --check=full Xerces and Xalan allocate through GuardManager, which puts
 * a header and a trailer derived from each block's address around it and
 * verifies them when the block is freed, so a block that another block
 * overlaps is reported with its address.  The guard adds 32 bytes to every
 * block, so it is off by default (--check=light): timed runs see the sizes
 * Xalan itself asks for, as in xalancbmk.
 */
#include "config.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include <xercesc/framework/MemoryManager.hpp>
#include <xercesc/util/OutOfMemoryException.hpp>
#include <xercesc/util/PlatformUtils.hpp>
#include <xalanc/Include/PlatformDefinitions.hpp>
#include <xalanc/XalanTransformer/XalanTransformer.hpp>
#include <xalanc/XSLT/XSLTInputSource.hpp>

#include "../common.h"
#include "docgen.hpp"
#include "stylesheets.hpp"

using xercesc::MemoryManager;
using xercesc::XMLPlatformUtils;
using xalanc::XalanCompiledStylesheet;
using xalanc::XalanParsedSource;
using xalanc::XalanTransformer;
using xalanc::XSLTInputSource;

static const char notes[] =
	"How this differs from SPEC's 523.xalancbmk_r: the input is generated\n"
	"(deterministic for --size and --seed) and parsed from memory; five\n"
	"stylesheets (sort, group with keys, string building, xsl:number, HTML\n"
	"output) run over it, output goes to a hashing callback instead of a\n"
	"file; threads run independent copies (xalancbmk is single-threaded;\n"
	"at one thread the work runs on the main thread, as there, so glibc\n"
	"serves it from its main arena and no thread switch enters the counts);\n"
	"by default (--check=light) the checksum of the output is the only\n"
	"self-check and Xalan's blocks have their own sizes; with --check=full\n"
	"every Xerces/Xalan block also carries a 16-byte header and a 16-byte\n"
	"trailer (size rounded up to 16) checked at its free, which changes the\n"
	"sizes the allocator sees.  The checksum is in the result record.";

namespace {

/*
 * GuardManager: [size | tag][user bytes, rounded up to 16][trailer 16].
 * The header tag and the trailer words derive from the block's address and
 * size.  Rounding keeps the trailer apart from the user bytes, so a block
 * placed over another's tail breaks the guard before it breaks Xalan's data.
 */
class GuardManager : public MemoryManager {
public:
	MemoryManager *getExceptionMemoryManager() override
	{
		return this;
	}

	void *allocate(XMLSize_t size) override
	{
		size_t user = (size + 15) & ~(size_t)15;
		unsigned char *raw = static_cast<unsigned char *>(malloc(user + 32));

		if (!raw)
			throw xercesc::OutOfMemoryException();
		uint64_t hdr[2] = { (uint64_t)size, tag(raw, size, 0) };
		uint64_t tail[2] = { tag(raw, size, 1), tag(raw, size, 2) };

		memcpy(raw, hdr, 16);
		memcpy(raw + 16 + user, tail, 16);
		return raw + 16;
	}

	void deallocate(void *p) override
	{
		if (!p)
			return;
		unsigned char *raw = static_cast<unsigned char *>(p) - 16;
		uint64_t hdr[2], tail[2];

		memcpy(hdr, raw, 16);
		if (hdr[1] != tag(raw, hdr[0], 0))
			wl_fail("self-check failed: block %p: header overwritten (tag %016" PRIx64
				", size word %" PRIu64 ")", p, hdr[1], hdr[0]);
		size_t user = (hdr[0] + 15) & ~(size_t)15;

		memcpy(tail, raw + 16 + user, 16);
		if (tail[0] != tag(raw, hdr[0], 1) || tail[1] != tag(raw, hdr[0], 2))
			wl_fail("self-check failed: block %p (size %" PRIu64 "): trailer at %p "
				"overwritten", p, hdr[0], (void *)(raw + 16 + user));
		free(raw);
	}

private:
	static uint64_t tag(const void *raw, uint64_t size, uint64_t k)
	{
		uint64_t z = (uint64_t)(uintptr_t)raw ^ (size << 17) ^ (k * 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		return z ^ (z >> 31);
	}
};

struct Hash {
	uint64_t fnv = 0xcbf29ce484222325ULL;
	uint64_t bytes = 0;
};

extern "C" size_t hash_output(const char *data, size_t len, void *handle)
{
	Hash *h = static_cast<Hash *>(handle);

	for (size_t i = 0; i < len; i++) {
		h->fnv ^= (unsigned char)data[i];
		h->fnv *= 0x100000001b3ULL;
	}
	h->bytes += len;
	return len;
}

struct Worker {
	MemoryManager *mm;
	const std::string *doc;
	long long iterations;
	XalanTransformer *xt;
	std::vector<const XalanCompiledStylesheet *> sheets;
	std::vector<uint64_t> sums;  /* one per iteration */
	uint64_t bytes;
	std::string error;
} __attribute__((aligned(64)));

void fail_xalan(const char *what, XalanTransformer *xt)
{
	wl_fail("%s failed: %s", what, xt->getLastError());
}

extern "C" void worker_setup(void *arg)
{
	Worker *w = static_cast<Worker *>(arg);

	w->xt = new XalanTransformer(*w->mm);
	for (const xalanc_stylesheet *s = xalanc_stylesheets; s->name; s++) {
		std::istringstream in(s->text);
		const XalanCompiledStylesheet *css = nullptr;

		if (w->xt->compileStylesheet(XSLTInputSource(in, *w->mm), css))
			wl_fail("stylesheet '%s' does not compile: %s", s->name,
				w->xt->getLastError());
		w->sheets.push_back(css);
	}
}

extern "C" void worker_run(void *arg)
{
	Worker *w = static_cast<Worker *>(arg);

	for (long long it = 0; it < w->iterations; it++) {
		std::istringstream in(*w->doc);
		const XalanParsedSource *src = nullptr;
		Hash h;

		if (w->xt->parseSource(XSLTInputSource(in, *w->mm), src))
			fail_xalan("parsing the document", w->xt);
		for (const XalanCompiledStylesheet *css : w->sheets)
			if (w->xt->transform(*src, css, &h, hash_output))
				fail_xalan("a transform", w->xt);
		w->xt->destroyParsedSource(src);
		w->sums[(size_t)it] = h.fnv;
		w->bytes = h.bytes;
	}
}

} // namespace

int main(int argc, char **argv)
{
	wl_init(argc, argv, "xalanc", notes);
	int threads = (int)wl_int("threads");
	long long iterations = wl_int("iterations");
	const char *expect = wl_str("expect");
	GuardManager guard;
	MemoryManager *mm = nullptr;
	std::string doc;
	size_t items;
	double secs;
	uint64_t sum;

	if (*expect && (strlen(expect) != 16 || strspn(expect, "0123456789abcdef") != 16)) {
		fprintf(stderr, "xalanc: option '--expect': '%s' is not 16 lowercase hex digits\n",
			expect);
		return WL_EXIT_USAGE;
	}
	items = xalanc_generate(doc, wl_size("size"), (uint64_t)wl_int("seed"));

	try {
		XMLPlatformUtils::Initialize(xercesc::XMLUni::fgXercescDefaultLocale, nullptr,
					     nullptr, wl_check_level == WL_CHECK_FULL ? &guard : nullptr);
		mm = XMLPlatformUtils::fgMemoryManager;
		XalanTransformer::initialize(*mm);
	} catch (...) {
		wl_skip("cannot initialize Xerces-C and Xalan-C");
	}

	std::vector<Worker> w((size_t)threads);
	for (Worker &x : w) {
		x.mm = mm;
		x.doc = &doc;
		x.iterations = iterations;
		x.sums.assign((size_t)iterations, 0);
		x.bytes = 0;
	}
	if (threads == 1) {
		double t0;

		worker_setup(w.data());
		t0 = wl_now();
		worker_run(w.data());
		secs = wl_now() - t0;
	} else {
		secs = wl_run_threads(threads, worker_setup, worker_run, w.data(), sizeof(Worker));
	}

	sum = w[0].sums[0];
	for (int t = 0; t < threads; t++)
		for (long long i = 0; i < iterations; i++)
			if (w[(size_t)t].sums[(size_t)i] != sum)
				wl_fail("self-check failed: thread %d iteration %lld output checksum "
					"%016" PRIx64 " differs from %016" PRIx64, t, i,
					w[(size_t)t].sums[(size_t)i], sum);
	if (*expect && strtoull(expect, nullptr, 16) != sum)
		wl_fail("self-check failed: output checksum %016" PRIx64 ", expected %s", sum,
			expect);

	for (Worker &x : w) {
		for (const XalanCompiledStylesheet *css : x.sheets)
			x.xt->destroyStylesheet(css);
		delete x.xt;
	}
	XalanTransformer::terminate();
	XMLPlatformUtils::Terminate();

	wl_result("seconds", secs, "s", 0,
		  " threads=%d iterations=%lld doc_bytes=%zu items=%zu output_bytes=%" PRIu64
		  " checksum=%016" PRIx64 " check=%s",
		  threads, iterations, doc.size(), items, w[0].bytes, sum, wl_str("check"));
	return WL_EXIT_OK;
}
