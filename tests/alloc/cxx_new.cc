/*
 * tests/alloc/cxx_new.cc - C++ operator new and delete reach the preloaded
 * allocator (libstdc++ implements them over malloc, aligned_alloc and free).
 *
 * Under every allocator: new, new[], aligned new, nothrow new and the
 * standard containers work and give usable sizes >= requested.  Under
 * hoard (hoard_owns found with dlsym): every pointer from operator new lies
 * in hoard's memory, and the operators are hoard's own (it defines them,
 * leaving only the std::new_handler and std::bad_alloc to libstdc++).
 */
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <malloc.h>
#include <map>
#include <new>
#include <string>
#include <vector>

static int count, failed, handler_calls;

/* A new_handler that has nothing to free: counts its call and uninstalls
 * itself, so that the next try throws std::bad_alloc. */
static void handler()
{
	handler_calls++;
	std::set_new_handler(nullptr);
}

/* Whether two addresses lie in the same loaded object. */
static bool same_object(void *a, void *b)
{
	Dl_info ia, ib;

	return a && b && dladdr(a, &ia) && dladdr(b, &ib) && ia.dli_fbase == ib.dli_fbase;
}

static void ok(bool cond, const char *what)
{
	count++;
	std::printf("%sok %d - %s\n", cond ? "" : "not ", count, what);
	if (!cond)
		failed++;
}

struct alignas(256) Wide {
	unsigned char bytes[300];
};

int main()
{
	typedef int (*owns_fn)(const void *);
	owns_fn owns = reinterpret_cast<owns_fn>(dlsym(RTLD_DEFAULT, "hoard_owns"));
	std::vector<void *> seen;
	bool good = true;

	for (std::size_t n = 1; n < 200000; n = n * 3 + 1) {
		char *p = new char[n];

		good = good && malloc_usable_size(p) >= n;
		for (std::size_t i = 0; i < n; i++)
			p[i] = static_cast<char>(i);
		seen.push_back(p);
	}
	for (void *p : seen)
		good = good && (!owns || owns(p));
	for (void *p : seen)
		delete[] static_cast<char *>(p);
	ok(good, "new[] / delete[] of 1 B to 200 KB");

	Wide *w = new Wide[3];
	ok((reinterpret_cast<std::uintptr_t>(w) & 255) == 0, "aligned new (alignas(256)) is aligned");
	ok(!owns || owns(w), "aligned new reaches the preloaded allocator");
	delete[] w;

	int *one = new int(42);
	ok(*one == 42 && (!owns || owns(one)), "scalar new reaches the preloaded allocator");
	delete one;

	std::map<int, std::string> m;
	for (int i = 0; i < 20000; i++)
		m[i] = std::string(static_cast<std::size_t>(i % 100), static_cast<char>('a' + i % 26));
	bool map_ok = m.size() == 20000;
	for (int i = 0; i < 20000; i += 777)
		map_ok = map_ok && m[i].size() == static_cast<std::size_t>(i % 100);
	ok(map_ok, "std::map of std::string: 20000 entries");

	std::vector<long> v;
	for (long i = 0; i < 1000000; i++)
		v.push_back(i);
	ok(v[999999] == 999999 && (!owns || owns(v.data())), "std::vector grows to 1e6 elements");

	void *huge = operator new(static_cast<std::size_t>(-1) / 2, std::nothrow);
	ok(huge == nullptr, "nothrow new of an impossible size returns nullptr");

	/* mimalloc 2.0's operator new aborts instead of throwing (known
	 * deviation 'new-throw'): not called under it. */
	const char *dev = std::getenv("NGB_ALLOC_DEVIATIONS");
	if (dev && std::strstr(dev, "new-throw")) {
		std::printf("not ok %d - new throws std::bad_alloc # TODO known deviation 'new-throw' of this allocator\n",
			    ++count);
	} else {
		bool threw = false;

		try {
			void *q = operator new(static_cast<std::size_t>(-1) / 2);
			operator delete(q);
		} catch (const std::bad_alloc &) {
			threw = true;
		}
		ok(threw, "new of an impossible size throws std::bad_alloc");
		threw = false;
		std::set_new_handler(handler);
		try {
			void *q = operator new[](static_cast<std::size_t>(-1) / 2, std::align_val_t(64));
			operator delete[](q, std::align_val_t(64));
		} catch (const std::bad_alloc &) {
			threw = true;
		}
		ok(threw && handler_calls == 1,
		   "aligned new[] of an impossible size calls the new_handler, then throws");
	}
	if (owns) {
		static const char *const ops[] = { "_Znwm", "_Znam", "_ZdlPv", "_ZdaPv", "_ZdlPvm",
						   "_ZnwmSt11align_val_t", "_ZdaPvSt11align_val_t" };
		bool own = true;

		for (const char *op : ops)
			own = own && same_object(dlsym(RTLD_DEFAULT, op), reinterpret_cast<void *>(owns));
		ok(own || sizeof(std::size_t) != sizeof(unsigned long) || sizeof(void *) != 8,
		   "operator new and delete are hoard's own");
	}
	if (!owns)
		std::printf("ok %d # skip not hoard: allocator identity not checked\n", ++count);
	std::printf("1..%d\n", count);
	return failed ? 1 : 0;
}
