/*
 * allocators/trace/recorder.c - libngbench-trace.so, the allocation
 * recorder of `ngbench trace record`.
 *
 * Preloaded into a program (LD_PRELOAD), it defines malloc, free, calloc,
 * realloc, reallocarray, memalign, posix_memalign, aligned_alloc, valloc,
 * pvalloc, malloc_usable_size and the twenty forms of C++'s operator new
 * and delete, appends one 32-byte record per call to a buffer of the
 * calling thread, and forwards the call to the next definition
 * (dlsym(RTLD_NEXT)), as the profiling shim (allocators/profile/shim.c)
 * does.  Unlike the shim it puts nothing in front of the blocks: the
 * allocator behind sees the program's own requests.
 *
 * A record holds the call, the block's address (in and out), the size,
 * the alignment or calloc's nmemb, a time-stamp counter reading and a
 * number from one global counter (an atomic fetch-and-add).  That number
 * orders the calls of all threads consistently with happens-before: a
 * free takes its number before the block goes back, an allocation after
 * it comes out, so the block's next owner always has a larger one, and a
 * block handed to another thread is freed with a larger number than its
 * allocation's.  `ngbench trace record` replays the records in that order
 * after the program has ended, to turn addresses into reusable slots and
 * cross-thread touches into waits (ngb_trace_from_raw, trace.c).
 *
 * Memory: one 64 KiB buffer per live thread, from mmap, taken at the
 * thread's first call and given back at its exit; a full buffer is written
 * by its own thread with one write() to the process's raw file (O_APPEND:
 * chunks of different threads never mix).  Nothing grows with the trace.
 *
 * Rules shared with the shim: it never calls malloc (dlsym's allocations
 * during start-up come from a static arena, never freed); calls made while
 * the thread is already inside the recorder (an allocator's calloc calling
 * malloc, libstdc++'s operator new calling malloc) are forwarded without a
 * record, so each call of the program is recorded once.
 *
 * Processes: every process that has the library loaded writes its own raw
 * file, $NGBENCH_TRACE_DIR/raw.PID.N; a forked child opens its own at the
 * fork and drops the parent's unwritten records (the parent writes them).
 * A program that a process executes records too (the variable stays in the
 * environment); what its image recorded since its threads' last flushes is
 * lost at the exec.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#endif

#include "ngbench/trace.h"
#include "../common/bootstrap_arena.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define RAW_REC_ALLOCATING 0

static struct {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void *(*reallocarray)(void *, size_t, size_t);
	void *(*memalign)(size_t, size_t);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
	size_t (*malloc_usable_size)(void *);
} next;

/* dlsym's allocations: allocators/common/bootstrap_arena.h */

/* ---- clocks -------------------------------------------------------------- */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t base_ticks;

/* Coarse: no fences, the order of calls is the sequence number's job. */
static inline uint64_t ticks(void)
{
#ifdef HAVE_TSC
	return __rdtsc() - base_ticks;
#else
	return mono_ns() - base_ticks;
#endif
}

/* ---- buffers ------------------------------------------------------------- */

struct buffer {
	struct ngb_raw_chunk hdr;                          /* written with the records */
	struct ngb_raw_record rec[NGB_RAW_CHUNK_RECORDS];
	/* not written */
	atomic_uint count;        /* records filled; the owner's, read by the exit flush */
	atomic_int in_use;
	uint32_t owner;           /* the serial of the thread that holds it */
	struct buffer *next_buf;
};

static _Atomic(struct buffer *) buffers;
static atomic_uint thread_serial;
static atomic_uint_least64_t seq;   /* the global order */
static pthread_key_t release_key;
static int have_release_key;
static int out_fd = -1;
static atomic_int closed;           /* set by the exit flush: owners no longer write */
static pid_t my_pid;

enum { ST_FRESH, ST_OUT, ST_IN };
static __thread struct {
	struct buffer *buf;
	int state;
	uint32_t serial;
	int exiting;
} tl __attribute__((tls_model("initial-exec")));

/* Opens $NGBENCH_TRACE_DIR/raw.PID.N (the first free N) and writes the process chunk. */
static void open_out(void)
{
	const char *dir = getenv(NGB_RAW_ENV);
	char path[4096];
	struct ngb_raw_chunk c;

	out_fd = -1;
	if (!dir || !*dir)
		return;
	my_pid = getpid();
	for (int k = 0; k < 1000 && out_fd < 0; k++) {
		if (snprintf(path, sizeof(path), "%s/raw.%d.%d", dir, (int)my_pid, k) >=
		    (int)sizeof(path))
			return;
		out_fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
		if (out_fd < 0 && errno != EEXIST)
			return;
	}
	if (out_fd < 0)
		return;
	memset(&c, 0, sizeof(c));
	c.magic = NGB_RAW_MAGIC;
	c.version = NGB_RAW_VERSION;
	c.pid = (uint32_t)my_pid;
	c.ticks = ticks();
	c.mono_ns = mono_ns();
	if (write(out_fd, &c, sizeof(c)) != (ssize_t)sizeof(c)) {
		close(out_fd);
		out_fd = -1;
	}
}

static void write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Writes the first n records of b as one chunk (one write: O_APPEND keeps it whole). */
static void write_chunk(struct buffer *b, unsigned n, uint32_t serial)
{
	if (out_fd < 0 || !n)
		return;
	b->hdr.magic = NGB_RAW_MAGIC;
	b->hdr.version = NGB_RAW_VERSION;
	b->hdr.count = (uint16_t)n;
	b->hdr.thread = serial;
	b->hdr.pid = (uint32_t)my_pid;
	b->hdr.ticks = ticks();
	b->hdr.mono_ns = mono_ns();
	write_all(out_fd, &b->hdr, sizeof(b->hdr) + n * sizeof(b->rec[0]));
}

static void flush_own(struct buffer *b)
{
	unsigned n = atomic_load_explicit(&b->count, memory_order_relaxed);

	if (!atomic_load_explicit(&closed, memory_order_acquire))
		write_chunk(b, n, tl.serial);
	atomic_store_explicit(&b->count, 0, memory_order_relaxed);
}

static void release_buffer(void *arg)
{
	struct buffer *b = arg;

	flush_own(b);
	tl.buf = NULL;
	tl.exiting = 1;
	tl.state = ST_FRESH;
	atomic_store_explicit(&b->in_use, 0, memory_order_release);
}

static struct buffer *acquire_buffer(void)
{
	struct buffer *b;
	int zero;

	for (b = atomic_load_explicit(&buffers, memory_order_acquire); b; b = b->next_buf) {
		zero = 0;
		if (atomic_load_explicit(&b->in_use, memory_order_relaxed) == 0 &&
		    atomic_compare_exchange_strong(&b->in_use, &zero, 1))
			break;
	}
	if (!b) {
		b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b == MAP_FAILED)
			return NULL;
		atomic_init(&b->in_use, 1);
		b->next_buf = atomic_load_explicit(&buffers, memory_order_relaxed);
		while (!atomic_compare_exchange_weak_explicit(&buffers, &b->next_buf, b,
							       memory_order_release,
							       memory_order_relaxed))
			;
	}
	atomic_store_explicit(&b->count, 0, memory_order_relaxed);
	if (!tl.serial)
		tl.serial = atomic_fetch_add_explicit(&thread_serial, 1, memory_order_relaxed) + 1;
	b->owner = tl.serial;
	tl.buf = b;
	if (have_release_key && !tl.exiting)
		pthread_setspecific(release_key, b);
	return b;
}

/* Takes the next number of the global order. */
static inline uint64_t next_seq(void)
{
	return atomic_fetch_add_explicit(&seq, 1, memory_order_relaxed);
}

static inline void put(unsigned kind, uint64_t s, const void *ptr, uint64_t size, unsigned aux)
{
	struct buffer *b = tl.buf;
	unsigned n;
	struct ngb_raw_record *r;

	if (unlikely(!b))
		return;
	n = atomic_load_explicit(&b->count, memory_order_relaxed);
	r = &b->rec[n];
	r->kind_seq = (uint64_t)kind << 56 | (s & ((UINT64_C(1) << 56) - 1));
	r->ptr = (uintptr_t)ptr;
	r->size = size;
	r->ticks_aux = ticks() << 16 | (aux & 0xffff);
	atomic_store_explicit(&b->count, n + 1, memory_order_release);
	if (unlikely(n + 1 == NGB_RAW_CHUNK_RECORDS))
		flush_own(b);
}

/* ---- start-up, fork, exit -------------------------------------------------- */

enum { NOT_READY, RESOLVING, READY };
static atomic_int state;

static void resolve(void)
{
	int expected = NOT_READY, saved;

	if (!atomic_compare_exchange_strong(&state, &expected, RESOLVING)) {
		while (atomic_load_explicit(&state, memory_order_acquire) != READY)
			sched_yield();
		return;
	}
	saved = tl.state;
	tl.state = ST_IN;
	{
		__typeof__(next) found;

#define RESOLVE(n) *(void **)&found.n = dlsym(RTLD_NEXT, #n);
		RESOLVE(malloc) RESOLVE(free) RESOLVE(calloc) RESOLVE(realloc)
		RESOLVE(reallocarray) RESOLVE(memalign) RESOLVE(posix_memalign)
		RESOLVE(aligned_alloc) RESOLVE(valloc) RESOLVE(pvalloc)
		RESOLVE(malloc_usable_size)
#undef RESOLVE
		next = found;
	}
	have_release_key = pthread_key_create(&release_key, release_buffer) == 0;
	tl.state = saved;
	atomic_store_explicit(&state, READY, memory_order_release);
}

static inline int ready(void)
{
	return likely(atomic_load_explicit(&state, memory_order_acquire) == READY);
}

/* The child of a fork: its own file; the parent writes what was buffered. */
static void fork_child(void)
{
	struct buffer *b;

	for (b = atomic_load_explicit(&buffers, memory_order_acquire); b; b = b->next_buf) {
		atomic_store_explicit(&b->count, 0, memory_order_relaxed);
		if (b != tl.buf)
			atomic_store_explicit(&b->in_use, 0, memory_order_relaxed);
	}
	if (out_fd >= 0)
		close(out_fd);
	open_out();
}

__attribute__((constructor)) static void recorder_start(void)
{
#ifdef HAVE_TSC
	if (!base_ticks)
		base_ticks = __rdtsc();
#else
	if (!base_ticks)
		base_ticks = mono_ns();
#endif
	if (!ready())
		resolve();
	pthread_atfork(NULL, NULL, fork_child);
	if (out_fd < 0)
		open_out();
}

/*
 * At exit: every buffer is written, those of threads that still run too
 * (their records up to the count they last published); from then on the
 * owners write nothing.  A record written twice in that race has the same
 * sequence number, and the converter keeps one.
 */
__attribute__((destructor)) static void recorder_stop(void)
{
	struct buffer *b;

	if (out_fd < 0 || getpid() != my_pid || atomic_exchange(&closed, 1))
		return;
	tl.state = ST_IN;
	for (b = atomic_load_explicit(&buffers, memory_order_acquire); b; b = b->next_buf) {
		unsigned n = atomic_load_explicit(&b->count, memory_order_acquire);

		if (atomic_load_explicit(&b->in_use, memory_order_acquire) && n)
			write_chunk(b, n, b->owner);
	}
	/* a last empty process chunk: the clock at exit */
	{
		struct ngb_raw_chunk c;

		memset(&c, 0, sizeof(c));
		c.magic = NGB_RAW_MAGIC;
		c.version = NGB_RAW_VERSION;
		c.pid = (uint32_t)my_pid;
		c.ticks = ticks();
		c.mono_ns = mono_ns();
		write_all(out_fd, &c, sizeof(c));
	}
	close(out_fd);
	out_fd = -1;
}

/* ---- entering and leaving -------------------------------------------------- */

static __attribute__((noinline)) int enter_slow(void)
{
	tl.state = ST_IN;
	if (!ready())
		resolve();
	if (!tl.buf)
		acquire_buffer();
	return 1;
}

static __attribute__((noinline)) void leave_slow(void)
{
	if (tl.exiting) {
		if (tl.buf)
			release_buffer(tl.buf);
		tl.state = ST_FRESH;
	} else {
		tl.state = tl.buf ? ST_OUT : ST_FRESH;
	}
}

/* 1: a call of the program, to record; 0: from inside, to forward. */
static inline int enter(int *st)
{
	*st = tl.state;
	if (likely(*st == ST_OUT)) {
		tl.state = ST_IN;
		return 1;
	}
	return *st == ST_FRESH && !atomic_load_explicit(&closed, memory_order_relaxed) &&
	       enter_slow();
}

static inline void leave(int st)
{
	if (likely(st == ST_OUT))
		tl.state = ST_OUT;
	else
		leave_slow();
}

/* log2 of a power-of-two alignment, 0xffff for any other value. */
static inline unsigned align_code(size_t a)
{
	return a && !(a & (a - 1)) ? (unsigned)__builtin_ctzll(a) : 0xffff;
}

/* ---- the entry points ---------------------------------------------------- */

static void *inner_malloc(size_t n)
{
	return next.malloc ? next.malloc(n) : arena_alloc(n, 16);
}

void *malloc(size_t n)
{
	int st;
	void *p;

	if (!enter(&st))
		return inner_malloc(n);
	p = next.malloc(n);
	put(NGB_TK_MALLOC, next_seq(), p, n, 0);
	leave(st);
	return p;
}

void free(void *p)
{
	int st;

	if (unlikely(p && in_arena(p)))
		return;
	if (!enter(&st)) {
		if (next.free)
			next.free(p);
		return;
	}
	put(NGB_TK_FREE, next_seq(), p, 0, 0);
	next.free(p);
	leave(st);
}

void *calloc(size_t n, size_t m)
{
	int st;
	size_t bytes;
	void *p;

	if (!enter(&st)) {
		if (next.calloc)
			return next.calloc(n, m);
		return __builtin_mul_overflow(n, m, &bytes) ? NULL : arena_alloc(bytes, 16);
	}
	if (__builtin_mul_overflow(n, m, &bytes))
		bytes = SIZE_MAX;
	p = next.calloc(n, m);
	put(NGB_TK_CALLOC, next_seq(), p, bytes, n <= 0xffff ? (unsigned)n : 0);
	leave(st);
	return p;
}

static void *inner_realloc(void *p, size_t n)
{
	void *q;

	if (!p || !in_arena(p))
		return next.realloc ? next.realloc(p, n) : p ? NULL : arena_alloc(n, 16);
	q = inner_malloc(n);
	if (q)
		memcpy(q, p, arena_size(p) < n ? arena_size(p) : n);
	return q;
}

/* A realloc is two records: the block in (numbered before the call) and out (after). */
static void *record_realloc(unsigned kind, void *p, size_t n, void *(*call)(void *, size_t))
{
	void *q;

	if (p && in_arena(p)) {
		/* dlsym's block: copied out, recorded as an allocation */
		q = call(NULL, n);
		if (q)
			memcpy(q, p, arena_size(p) < n ? arena_size(p) : n);
		put(kind, next_seq(), q, n, 0);
		return q;
	}
	put(NGB_RAW_REALLOC_IN, next_seq(), p, 0, 0);
	q = call(p, n);
	put(kind, next_seq(), q, n, 0);
	return q;
}

static void *call_realloc(void *p, size_t n)
{
	return next.realloc(p, n);
}

static void *call_reallocarray(void *p, size_t n)
{
	return next.reallocarray ? next.reallocarray(p, 1, n) : next.realloc(p, n);
}

void *realloc(void *p, size_t n)
{
	int st;
	void *q;

	if (!enter(&st))
		return inner_realloc(p, n);
	q = record_realloc(NGB_TK_REALLOC, p, n, call_realloc);
	leave(st);
	return q;
}

void *reallocarray(void *p, size_t n, size_t m)
{
	int st;
	size_t bytes;
	void *q;

	if (__builtin_mul_overflow(n, m, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	if (!enter(&st))
		return inner_realloc(p, bytes);
	q = record_realloc(NGB_TK_REALLOCARRAY, p, bytes, call_reallocarray);
	leave(st);
	return q;
}

#define ALIGNED_ENTRY(name, kind)                                              \
	void *name(size_t a, size_t n)                                         \
	{                                                                      \
		int st;                                                        \
		void *p;                                                       \
                                                                               \
		if (!enter(&st))                                               \
			return next.name ? next.name(a, n) : arena_alloc(n, a); \
		p = next.name ? next.name(a, n) : NULL;                        \
		put(kind, next_seq(), p, n, align_code(a));                    \
		leave(st);                                                     \
		return p;                                                      \
	}

ALIGNED_ENTRY(memalign, NGB_TK_MEMALIGN)
ALIGNED_ENTRY(aligned_alloc, NGB_TK_ALIGNED_ALLOC)

int posix_memalign(void **out, size_t a, size_t n)
{
	int st, rc;
	void *p = NULL;

	if (!enter(&st)) {
		if (next.posix_memalign)
			return next.posix_memalign(out, a, n);
		*out = arena_alloc(n, a);
		return *out ? 0 : ENOMEM;
	}
	rc = next.posix_memalign(&p, a, n);
	put(NGB_TK_POSIX_MEMALIGN, next_seq(), rc == 0 ? p : NULL, n, align_code(a));
	if (rc == 0)
		*out = p;
	leave(st);
	return rc;
}

#define PAGE_ENTRY(name, kind)                                                 \
	void *name(size_t n)                                                   \
	{                                                                      \
		int st;                                                        \
		void *p;                                                       \
                                                                               \
		if (!enter(&st))                                               \
			return next.name ? next.name(n) : arena_alloc(n, 4096); \
		p = next.name ? next.name(n) : NULL;                           \
		put(kind, next_seq(), p, n, 0);                                \
		leave(st);                                                     \
		return p;                                                      \
	}

PAGE_ENTRY(valloc, NGB_TK_VALLOC)
PAGE_ENTRY(pvalloc, NGB_TK_PVALLOC)

size_t malloc_usable_size(void *p)
{
	int st;
	size_t n;

	if (p && in_arena(p))
		return arena_size(p);
	if (!enter(&st))
		return next.malloc_usable_size && p ? next.malloc_usable_size(p) : 0;
	n = p && next.malloc_usable_size ? next.malloc_usable_size(p) : 0;
	/* numbered like a free would be: the block is still live */
	put(NGB_TK_USABLE_SIZE, next_seq(), p, n, 0);
	leave(st);
	return n;
}

/* ---- C++ operator new and delete ----------------------------------------- */

/*
 * Each form is forwarded to the next definition of the same operator (the
 * allocator's, else libstdc++'s, whose malloc is then a nested call) and
 * recorded as its own kind, so that a replay calls the same form.  A
 * throwing new that throws std::bad_alloc leaves the recorder through a
 * cleanup (built with -fexceptions) and is not recorded.
 */
enum { CXX_NOTHROW = 1, CXX_ALIGNED = 2, CXX_SIZED = 4 };

typedef void (*any_fn)(void);

struct cxx_op {
	const char *name;
	any_fn fn;
	int form;
	unsigned kind;
};

static any_fn cxx_next(struct cxx_op *op)
{
	if (!op->fn)
		*(void **)&op->fn = dlsym(RTLD_NEXT, op->name);
	return op->fn;
}

static void *new_call(any_fn fn, int form, size_t n, size_t al, const void *nt)
{
	switch (form & (CXX_NOTHROW | CXX_ALIGNED)) {
	case 0: return ((void *(*)(size_t))fn)(n);
	case CXX_NOTHROW: return ((void *(*)(size_t, const void *))fn)(n, nt);
	case CXX_ALIGNED: return ((void *(*)(size_t, size_t))fn)(n, al);
	default: return ((void *(*)(size_t, size_t, const void *))fn)(n, al, nt);
	}
}

static void delete_call(any_fn fn, int form, void *p, size_t n, size_t al, const void *nt)
{
	switch (form) {
	case 0: ((void (*)(void *))fn)(p); break;
	case CXX_SIZED: ((void (*)(void *, size_t))fn)(p, n); break;
	case CXX_NOTHROW: ((void (*)(void *, const void *))fn)(p, nt); break;
	case CXX_ALIGNED: ((void (*)(void *, size_t))fn)(p, al); break;
	case CXX_SIZED | CXX_ALIGNED: ((void (*)(void *, size_t, size_t))fn)(p, n, al); break;
	default: ((void (*)(void *, size_t, const void *))fn)(p, al, nt); break;
	}
}

struct cxx_guard {
	int st, armed;
};

static void cxx_unguard(struct cxx_guard *g)
{
	if (g->armed)
		leave(g->st);
}

static void *cxx_new(struct cxx_op *op, size_t n, size_t al, const void *nt)
{
	struct cxx_guard g __attribute__((cleanup(cxx_unguard))) = { 0, 0 };
	any_fn fn;
	void *p;

	if (!enter(&g.st)) {
		fn = cxx_next(op);
		return fn ? new_call(fn, op->form, n, al, nt) : arena_alloc(n, al ? al : 16);
	}
	g.armed = 1;
	fn = cxx_next(op);
	if (fn)
		p = new_call(fn, op->form, n, al, nt);
	else
		p = next.memalign ? next.memalign(al > 16 ? al : 16, n) : NULL;
	put(op->kind, next_seq(), p, n, op->form & CXX_ALIGNED ? align_code(al) : 0);
	return p;
}

static void cxx_delete(struct cxx_op *op, void *p, size_t n, size_t al, const void *nt)
{
	any_fn fn;
	int st;

	if (p && in_arena(p))
		return;
	if (!enter(&st)) {
		if ((fn = cxx_next(op)) != NULL)
			delete_call(fn, op->form, p, n, al, nt);
		else if (next.free)
			next.free(p);
		return;
	}
	fn = cxx_next(op);
	put(op->kind, next_seq(), p, n, op->form & CXX_ALIGNED ? align_code(al) : 0);
	if (fn)
		delete_call(fn, op->form, p, n, al, nt);
	else
		next.free(p);
	leave(st);
}

/* The Itanium C++ ABI's names: std::align_val_t is a size_t, a
 * std::nothrow_t const & a pointer. */
#define NEW_OP(sym, form, kind, params, args)                                  \
	static struct cxx_op op##sym = { #sym, NULL, form, NGB_TK_##kind };     \
	void *sym params;                                                      \
	void *sym params { return cxx_new args; }
#define DELETE_OP(sym, form, kind, params, args)                               \
	static struct cxx_op op##sym = { #sym, NULL, form, NGB_TK_##kind };     \
	void sym params;                                                       \
	void sym params { cxx_delete args; }

NEW_OP(_Znwm, 0, NEW, (size_t n), (&op_Znwm, n, 0, NULL))
NEW_OP(_Znam, 0, NEW_ARRAY, (size_t n), (&op_Znam, n, 0, NULL))
NEW_OP(_ZnwmRKSt9nothrow_t, CXX_NOTHROW, NEW_NOTHROW, (size_t n, const void *nt),
       (&op_ZnwmRKSt9nothrow_t, n, 0, nt))
NEW_OP(_ZnamRKSt9nothrow_t, CXX_NOTHROW, NEW_ARRAY_NOTHROW, (size_t n, const void *nt),
       (&op_ZnamRKSt9nothrow_t, n, 0, nt))
NEW_OP(_ZnwmSt11align_val_t, CXX_ALIGNED, NEW_ALIGNED, (size_t n, size_t al),
       (&op_ZnwmSt11align_val_t, n, al, NULL))
NEW_OP(_ZnamSt11align_val_t, CXX_ALIGNED, NEW_ARRAY_ALIGNED, (size_t n, size_t al),
       (&op_ZnamSt11align_val_t, n, al, NULL))
NEW_OP(_ZnwmSt11align_val_tRKSt9nothrow_t, CXX_ALIGNED | CXX_NOTHROW, NEW_ALIGNED_NOTHROW,
       (size_t n, size_t al, const void *nt), (&op_ZnwmSt11align_val_tRKSt9nothrow_t, n, al, nt))
NEW_OP(_ZnamSt11align_val_tRKSt9nothrow_t, CXX_ALIGNED | CXX_NOTHROW, NEW_ARRAY_ALIGNED_NOTHROW,
       (size_t n, size_t al, const void *nt), (&op_ZnamSt11align_val_tRKSt9nothrow_t, n, al, nt))

DELETE_OP(_ZdlPv, 0, DELETE, (void *p), (&op_ZdlPv, p, 0, 0, NULL))
DELETE_OP(_ZdaPv, 0, DELETE_ARRAY, (void *p), (&op_ZdaPv, p, 0, 0, NULL))
DELETE_OP(_ZdlPvm, CXX_SIZED, DELETE_SIZED, (void *p, size_t n), (&op_ZdlPvm, p, n, 0, NULL))
DELETE_OP(_ZdaPvm, CXX_SIZED, DELETE_ARRAY_SIZED, (void *p, size_t n), (&op_ZdaPvm, p, n, 0, NULL))
DELETE_OP(_ZdlPvRKSt9nothrow_t, CXX_NOTHROW, DELETE_NOTHROW, (void *p, const void *nt),
	  (&op_ZdlPvRKSt9nothrow_t, p, 0, 0, nt))
DELETE_OP(_ZdaPvRKSt9nothrow_t, CXX_NOTHROW, DELETE_ARRAY_NOTHROW, (void *p, const void *nt),
	  (&op_ZdaPvRKSt9nothrow_t, p, 0, 0, nt))
DELETE_OP(_ZdlPvSt11align_val_t, CXX_ALIGNED, DELETE_ALIGNED, (void *p, size_t al),
	  (&op_ZdlPvSt11align_val_t, p, 0, al, NULL))
DELETE_OP(_ZdaPvSt11align_val_t, CXX_ALIGNED, DELETE_ARRAY_ALIGNED, (void *p, size_t al),
	  (&op_ZdaPvSt11align_val_t, p, 0, al, NULL))
DELETE_OP(_ZdlPvmSt11align_val_t, CXX_SIZED | CXX_ALIGNED, DELETE_SIZED_ALIGNED,
	  (void *p, size_t n, size_t al), (&op_ZdlPvmSt11align_val_t, p, n, al, NULL))
DELETE_OP(_ZdaPvmSt11align_val_t, CXX_SIZED | CXX_ALIGNED, DELETE_ARRAY_SIZED_ALIGNED,
	  (void *p, size_t n, size_t al), (&op_ZdaPvmSt11align_val_t, p, n, al, NULL))
DELETE_OP(_ZdlPvSt11align_val_tRKSt9nothrow_t, CXX_ALIGNED | CXX_NOTHROW, DELETE_ALIGNED_NOTHROW,
	  (void *p, size_t al, const void *nt), (&op_ZdlPvSt11align_val_tRKSt9nothrow_t, p, 0, al, nt))
DELETE_OP(_ZdaPvSt11align_val_tRKSt9nothrow_t, CXX_ALIGNED | CXX_NOTHROW,
	  DELETE_ARRAY_ALIGNED_NOTHROW, (void *p, size_t al, const void *nt),
	  (&op_ZdaPvSt11align_val_tRKSt9nothrow_t, p, 0, al, nt))
