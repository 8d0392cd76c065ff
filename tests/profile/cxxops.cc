// tests/profile/cxxops.cc - a C++ program of known calls to every form of
// operator new and delete, for tests/profile/cxx.sh: THREADS threads (POSIX
// threads: std::thread would allocate its state with new) each make ROUNDS
// rounds of twelve new/delete pairs, writing every byte of each block and
// checking its alignment; then, with a third argument "throw", one new that
// must throw std::bad_alloc; and one pair more.  No iostream: nothing else
// in the program calls new.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <new>
#include <pthread.h>

static long rounds;
static int bad;

static void use(void *p, std::size_t n, std::size_t align)
{
	if (!p || (reinterpret_cast<std::uintptr_t>(p) & (align - 1)) != 0) {
		__atomic_store_n(&bad, 1, __ATOMIC_RELAXED);
		return;
	}
	std::memset(p, 0x5a, n);
}

static void *worker(void *)
{
	using std::align_val_t;
	const align_val_t a64{64}, a4k{4096};

	for (long i = 0; i < rounds; i++) {
		void *p;

		p = ::operator new(100); use(p, 100, 16); ::operator delete(p);
		p = ::operator new[](100); use(p, 100, 16); ::operator delete[](p);
		p = ::operator new(100, std::nothrow); use(p, 100, 16); ::operator delete(p, std::nothrow);
		p = ::operator new[](100, std::nothrow); use(p, 100, 16); ::operator delete[](p, std::nothrow);
		p = ::operator new(100, a64); use(p, 100, 64); ::operator delete(p, a64);
		p = ::operator new[](100, a4k); use(p, 100, 4096); ::operator delete[](p, a4k);
		p = ::operator new(100, a64, std::nothrow); use(p, 100, 64);
		::operator delete(p, a64, std::nothrow);
		p = ::operator new[](100, a64, std::nothrow); use(p, 100, 64);
		::operator delete[](p, a64, std::nothrow);
		p = ::operator new(200); use(p, 200, 16); ::operator delete(p, std::size_t{200});
		p = ::operator new[](200); use(p, 200, 16); ::operator delete[](p, std::size_t{200});
		p = ::operator new(300, a64); use(p, 300, 64); ::operator delete(p, std::size_t{300}, a64);
		p = ::operator new[](300, a64); use(p, 300, 64);
		::operator delete[](p, std::size_t{300}, a64);
	}
	return nullptr;
}

int main(int argc, char **argv)
{
	int threads = argc > 2 ? std::atoi(argv[1]) : 1;
	bool throws = argc > 3 && !std::strcmp(argv[3], "throw");
	pthread_t tid[64];
	int threw = 0;

	rounds = argc > 2 ? std::atol(argv[2]) : 1000;
	if (threads < 1 || threads > 64 || rounds < 1) {
		std::fprintf(stderr, "usage: cxxops THREADS ROUNDS [throw]\n");
		return 2;
	}
	for (int t = 0; t < threads; t++)
		pthread_create(&tid[t], nullptr, worker, nullptr);
	for (int t = 0; t < threads; t++)
		pthread_join(tid[t], nullptr);
	if (throws) {
		try {
			void *volatile p = ::operator new(SIZE_MAX / 2);
			::operator delete(p);
		} catch (const std::bad_alloc &) {
			threw = 1;
		}
	}
	// after an exception went through the profiler: still counted
	void *p = ::operator new(64);
	use(p, 64, 16);
	::operator delete(p);
	std::printf("cxxops: threads=%d rounds=%ld threw=%d bad=%d\n", threads, rounds, threw, bad);
	return threw == throws && !bad ? 0 : 1;
}
