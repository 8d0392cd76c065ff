/*
 * allocators/nextgen/ngmalloc.c - libnextgen: malloc served by a dedicated
 * allocator core (NextGen-Malloc, Li, Wu, Kavi et al., HotOS 2023, sections
 * 3.1 and 4.2; MMT, Tiwari et al., IPDPS 2010, for the glibc base).
 *
 * One server thread per process, pinned to a core of its own, owns all
 * allocator metadata (heap.c, or glibc's malloc run on that thread).  Each
 * client thread registers, on first use, a struct client: memory of its own,
 * mmapped, whose fields are grouped by writer into separate cache lines:
 *
 *   bell          client writes, server polls: the free queue's published
 *                 tail, the sync request (sequence, op, arguments), "dead"
 *   stock_head[]  client writes (one per class), server reads on refill
 *   private       client only: cached indices, flags, counters
 *   resp, fq_head, stock_tail[], stock_low[]   server writes, client reads
 *   srv           server only: its indices, stock targets, list links
 *   fq[], stock[][]  the rings' slots
 *
 * Protocols (NGMALLOC_MODE):
 *   sync   the paper's Pseudo Code 1: every call is a request in the
 *          client's slot, and the client spins until the server answers.
 *          (The paper's single global slot would need a lock or an RMW once
 *          there are two client threads; one slot per thread keeps one
 *          outstanding request per client and no RMW.)
 *   async  free() writes the pointer into the free queue and publishes the
 *          tail once per cache line of pointers (8); malloc() takes a block
 *          from the thread's stock for the size class, a ring the server
 *          fills ahead of demand (MMT: offloading did not pay without
 *          pre-allocation).  When a stock falls to its low watermark the
 *          client queues a refill request behind its frees; the server
 *          sizes each stock by the observed interval between refills.
 *          The client waits only when a stock is empty.
 *
 * The client fast paths use no lock and no read-modify-write instruction:
 * release stores and acquire loads only.  RMW atomics appear only on rare
 * paths: registration, waking a sleeping server.
 *
 * Bootstrap and fallback ("direct" mode): until the server runs (the
 * library's constructor has not run yet, the server is being created -
 * pthread_create allocates -, a fork child has not started its own server,
 * or the server could not be created), calls run the base allocator in the
 * calling thread under g_heap_mtx.  While the server runs, a thread without
 * a client of its own (it is exiting, or registering) uses the shared
 * client under g_shared_mtx.  The server thread itself calls the base
 * allocator directly.  Invariant: the heap has exactly one owner at a time,
 * the server while g_state == ST_RUNNING, else whoever holds g_heap_mtx.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "../common/posix_alloc.h"
#include "internal.h"

extern int malloc_trim(size_t pad);	/* glibc's, for the glibc base */

#define API __attribute__((visibility("default")))
#define TLS __thread __attribute__((tls_model("initial-exec")))

#define NGM_VERSION "0.1"

/* Free queue: 16384 pointers (128 KiB), published per cache line of 8;
 * room for the frees of a few naps (NAP_NS), so that a burst of frees
 * rarely finds it full and wakes the server. */
#define FQ_CAP 16384u
#define FQ_BATCH 8u
/* Stock rings: at most 1024 blocks and about 128 KiB per class. */
#define STOCK_CAP 1024u
#define STOCK_BYTES (128u * 1024u)
/*
 * Adaptive stock size: the server measures each stock's rate of use
 * between two refill requests and sizes it to last STOCK_HORIZON_NS, so
 * that the half left when the client asks covers the server's reaction:
 * the rest of a nap (NAP_NS), which the client does not interrupt for a
 * refill asked ahead of need.
 */
#define STOCK_HORIZON_NS 12000000ull
/* Without a spare core the server may be off its CPU for a time slice or
 * more (4 ms ticks): stocks are sized to last that long. */
#define STOCK_HORIZON_NOSPARE_NS 8000000ull
/*
 * Local reuse: each client keeps the blocks it freed recently in a stack
 * per class, in its own memory (nothing is written into the blocks), and
 * malloc takes them back before the stock.  At most LC_BYTES per class and
 * cfg.local entries with a spare core; without one (the server shares a
 * core with the program) up to LC_BYTES_NOSPARE per class, so that a
 * thread recycles its own frees and rarely needs the server.  A full stack
 * hands its older half to the server in one batch.
 */
#define LC_CAP 65536u
/* The first LC_HOT entries of each stack are interleaved (lc_slot); the
 * default limit (NGMALLOC_LOCAL) fits. */
#define LC_HOT 64u
/* Classes up to 512 bytes get a stock when their thread registers. */
#define PREFILL_CLASSES 16u
#define LC_BYTES (64u * 1024u)
#define LC_BYTES_NOSPARE (1024u * 1024u)
/* Detecting the lack of a spare core: see mode_update. */
#define ACTIVE_NS 5000000ull
#define OVERSUB_NS 10000000ull
/* Starved: off its CPU for more than a quarter of a window of 100 ms. */
#define STARVED_WINDOW_NS 100000000ull
#define STARVED_LOST_NS (STARVED_WINDOW_NS / 4)
#define NOSPARE_HOLD_NS 200000000ull
/* Crowded: more runnable threads on the machine than it has CPUs, looked
 * at every CROWD_LOOK_NS at most, in CROWD_LOOKS looks in a row spanning
 * CROWD_NS. */
#define CROWD_LOOK_NS 2000000ull
#define CROWD_NS 10000000ull
#define CROWD_LOOKS 3u
/* A client on another core than the server spins this long for an answer
 * before it sleeps on a futex: longer than a sleeping server takes to wake
 * up here (tens of microseconds), so that the answer does not also wait
 * for the client's own wake-up. */
#define CLIENT_SPIN_NS 200000ull
/* Pages of new spans the server faults in per pass (ngm_heap_prefault):
 * a request that comes meanwhile waits for at most this much. */
#define PREFAULT_STEP (256u * 1024u)
/* A wait longer than this is counted apart (client_waits_long). */
#define WAIT_LONG_NS 1000000ull
/* A client whose free queue is full spins this long before it yields. */
#define STALL_SPIN_NS 10000ull
/*
 * While the clients were active in the last NAP_ACTIVE_NS, an idle server
 * naps (futex with a NAP_NS timeout) instead of sleeping: a client then
 * wakes it only when it has to wait (an empty stock, a request, a filling
 * free queue), not for a refill asked ahead of need, which the nap's end
 * serves in time.  Each wake-up is a system call on the client's path.
 * The nap is long (5 ms): the server's activity on the other vCPU may
 * cost the program's vCPU on this VM (a thread beside mimalloc that spun
 * 50 us and slept 1 ms made xalanc 7 % slower in one session, not at all
 * in another), and 5 ms naps cut the server's CPU time and the client's
 * waits (docs/measurements/2026-12-07-nextgen-xalanc-2.md).
 */
#define SRV_SLEEP 1u
#define SRV_NAP 2u
#define NAP_NS 5000000ull
#define NAP_ACTIVE_NS 20000000ull
#define SLEEP_NS 100000000ull
#define NAP_MAX_NS SLEEP_NS
/* Queued frees that wake a sleeping or napping server: an eighth of the
 * queue (2048), so that it is awake well before the queue fills, and
 * drains a burst in pieces: at half the queue (8192) the server fell
 * behind on xalanc (375 overflows a run instead of 0) and a refill
 * request waited behind a long drain (16 waits over 1 ms, 70 ms in all,
 * instead of 1 and 2-8 ms). */
#define FQ_KICK (FQ_CAP / 8)
/* The server looks for idle clients this often, or twice per
 * NGMALLOC_TRIM_MS when that is shorter (see trim_idle). */
#define TRIM_LOOK_NS 50000000ull

enum { MODE_ASYNC, MODE_SYNC, MODE_PAPER };
enum { BASE_OWN, BASE_GLIBC };
enum { ST_NONE, ST_HEAP, ST_STARTING, ST_RUNNING, ST_FAILED };
enum { OP_NONE, OP_MALLOC, OP_FREE, OP_MEMALIGN, OP_REALLOC, OP_USABLE, OP_REFILL, OP_TRIM,
       OP_COUNT };
/* c->trim: the handshake that takes an idle client's blocks back (trim_idle) */
enum { TRIM_NONE, TRIM_CLOSING, TRIM_ASK, TRIM_STOLEN, TRIM_DEAD };
enum { F_SERVER = 1, F_EXITING = 2, F_REGISTERING = 4 };

/* A refill request in the free queue: (class << 4) | 1; blocks are 16-aligned. */
#define REFILL_TAG(cls) (((uintptr_t)(cls) << 4) | 1)
/*
 * A large block the client mapped itself: two slots, (address | 2) and the
 * length, published together; the server records it in its table (the
 * metadata stays the server's).  Addresses of mappings are page aligned.
 */
#define LARGE_TAG 2u

struct client {
	_Alignas(NGM_LINE) struct {
		_Atomic uint32_t fq_tail;
		_Atomic uint32_t req_seq;
		_Atomic uint32_t dead;
		uint32_t op;
		uint64_t a0, a1;
	} bell;
	_Alignas(NGM_LINE) _Atomic uint32_t stock_head[NGM_NCLASSES + 1];

	_Alignas(NGM_LINE) struct {
		uint8_t use_stock, async_free, kick_each, shared;
		uint32_t fq_mask;	/* publish when (tail & fq_mask) == 0 */
		uint32_t seq;
		uint32_t epoch;		/* g_epoch when lc[].max was set */
		struct ngm_ring_prod fq;
		uint64_t local_hits;
		struct { uint32_t n, max; } lc[NGM_NCLASSES + 1];
		struct { uint32_t tail, low; } sc[NGM_NCLASSES + 1];
		uint64_t waits, wait_ns, stalls, stall_ns, kicks, flushes, borrows, overflows;
		uint64_t waits_long;	/* waits longer than WAIT_LONG_NS */
		uint64_t waits_op[OP_COUNT];	/* waits by request */
		uint8_t asked[NGM_NCLASSES + 1];	/* a refill is on its way */
		/* the thread's gate (its t_client) and t_inside, for trim_idle */
		_Atomic(struct client *) *gate;
		_Atomic uint32_t *inside;
	} own;

	/* the trim handshake (TRIM_*): CAS by the server and, at exit, the
	 * client; read by the client only when its gate is closed */
	_Alignas(NGM_LINE) _Atomic uint32_t trim;

	_Alignas(NGM_LINE) _Atomic uint32_t resp_seq;	/* futex word */
	_Atomic uint32_t blocked;	/* the client sleeps on resp_seq */
	uint64_t resp_val;
	_Alignas(NGM_LINE) _Atomic uint32_t fq_head;
	_Alignas(NGM_LINE) _Atomic uint32_t stock_tail[NGM_NCLASSES + 1];
	_Alignas(NGM_LINE) _Atomic uint32_t stock_low[NGM_NCLASSES + 1];

	_Alignas(NGM_LINE) struct {
		struct client *next, *prev;
		struct ngm_ring_cons fq;
		uint32_t req_seen;
		uint32_t target[NGM_NCLASSES + 1];
		uint32_t last_head[NGM_NCLASSES + 1];	/* at the last refill */
		uint64_t last_refill[NGM_NCLASSES + 1];
		uint64_t last_active;
		uint64_t idle_fp, idle_since;	/* activity fingerprint, and since when */
		bool trimmed;			/* taken back since the last activity */
	} srv;
	struct client *inext;		/* g_incoming link, set before the push */

	/*
	 * Local reuse: entry k of class c's stack is lc_hot[k][c] while k <
	 * LC_HOT (the tops of all the classes' stacks share 7 pages, so that
	 * they take few TLB entries), lcs(client, c)[k] beyond (deep stacks
	 * without a spare core or after an overflow; its first LC_HOT slots
	 * are unused).  See lc_slot.  lcs(client, c) has lc_hard_max(c)
	 * entries, in the client's mapping after the struct (client_bytes):
	 * a rectangle of LC_CAP entries a class took 27 MiB of address space
	 * a thread, which counts under ulimit -v; this takes 1.7 MiB.
	 */
	_Alignas(NGM_LINE) void *lc_hot[LC_HOT][NGM_NCLASSES + 1];
	_Alignas(NGM_LINE) uintptr_t fq[FQ_CAP];
	_Alignas(NGM_LINE) void *stock[NGM_NCLASSES + 1][STOCK_CAP];
};

/* The deep stacks follow the struct in the client's mapping; class cls's
 * starts g_lcs_off[cls] pointers in (client_layout).  A constant and a
 * table, not a pointer in the client: the fast paths then need no more
 * registers than with a fixed rectangle (a pointer cost malloc a saved
 * register, 5 instructions a call). */
#define CLIENT_HEAD ((sizeof(struct client) + NGM_LINE - 1) & ~(size_t)(NGM_LINE - 1))
static uint32_t g_lcs_off[NGM_NCLASSES + 1];

static inline void **lcs(struct client *c, unsigned cls)
{
	return (void **)((char *)c + CLIENT_HEAD) + g_lcs_off[cls];
}

/* Where entry k of class cls's local stack is. */
static inline void **lc_slot(struct client *c, unsigned cls, uint32_t k)
{
	return likely(k < LC_HOT) ? &c->lc_hot[k][cls] : &lcs(c, cls)[k];
}

static struct {
	int mode, base, cpu;
	unsigned stock_init, local;
	bool use_stock, async_free, adapt, thp, prefault;
	uint64_t purge_ns;	/* a free run's pages go back after this long */
	int nospare;		/* -1: detect, 0: never, 1: always */
	uint64_t spin_ns;
	uint64_t nap_ns;	/* an active server's nap */
	uint64_t horizon_ns;	/* a stock lasts this long (spare core) */
	uint64_t trim_ns;	/* a client idle this long is trimmed; 0: never */
	const char *stats_path;
} cfg;

static _Atomic int g_state;
static pthread_mutex_t g_heap_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_shared_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct client *g_shared;
static _Atomic(struct client *) g_incoming;
/* futex word: the server sleeps (SRV_SLEEP) or naps (SRV_NAP), else 0 */
static _Atomic uint32_t g_sleeping;
static _Atomic uint32_t g_park_req;	/* futex word: park request number, 0 none */
static _Atomic uint32_t g_park_ack;
static _Atomic int g_stop_req;		/* the parked server is to end (server_stop) */
static _Atomic int g_takeover;		/* the server waits for g_heap_mtx */
static uint32_t g_park_count;		/* under g_heap_mtx */
static pthread_key_t g_key;
static bool g_key_ok, g_ctor_done;
static pid_t g_pid;
static size_t (*real_usable)(void *);
/* glibc's introspection calls, looked up by the constructor (glibc base) */
static struct mallinfo2 (*real_mallinfo2)(void);
static int (*real_malloc_trim)(size_t);
static void (*real_malloc_stats)(void);
static int (*real_mallopt)(int, int);
static int g_server_cpu = -1;		/* where the server is pinned */
static uint64_t g_direct_ops;		/* under g_heap_mtx */
/* Bumped by the server at each switch of mode; odd: no spare core.  Clients
 * read it on their slow paths only. */
static _Atomic uint32_t g_epoch;
static int g_ncpus = 1;			/* CPUs the process may run on */

/*
 * t_client is the gate of the fast paths: the thread's client, or NULL
 * when the server has closed it to take the thread's blocks back
 * (trim_idle); t_self is the thread's client all along.  t_inside is 1
 * while the thread runs an allocator call that touches its client.
 */
static TLS _Atomic(struct client *) t_client;
static TLS struct client *t_self;
static TLS _Atomic uint32_t t_inside;
static TLS unsigned t_flags;

/* Server-only state. */
static struct client *s_list;
static struct {
	uint64_t requests, refills, frees, prealloc, unused, threads, sleeps, naps;
	uint64_t busy_ns, idle_ns, starved, nospare_ns, nospare_switches, active_max;
	uint64_t crowded, crowd_looks, crowd_max;
	uint64_t dead_waits, dead_wait_ns, dead_stalls, dead_stall_ns, dead_kicks, dead_waits_long;
	uint64_t pass_max_ns;	/* the server's longest pass that did work */
	uint64_t house_max_ns;	/* its longest housekeeping (trim, purge) */
	uint64_t dead_local, dead_flushes, dead_borrows, dead_overflows, local_unused;
	uint64_t trims, trim_asks, trimmed_blocks, glibc_trims;
	uint64_t dead_waits_op[OP_COUNT];
	uint64_t large_client, large_unrecorded;
	uint64_t membarrier_late;	/* registrations by the server (slow) */
	uint64_t server_stops;		/* ended for unshare or setns */
} S;
static bool s_membarrier;		/* MEMBARRIER_CMD_PRIVATE_EXPEDITED works */

/*
 * Registers the process for MEMBARRIER_CMD_PRIVATE_EXPEDITED.  The kernel
 * makes this cheap only while the process has one thread: with two or
 * more it waits for an RCU grace period (18-35 ms here), and a thread in
 * that wait cannot be killed, so a process whose server was registering
 * could not exit or exec until it was done.  Hence the constructor and
 * the fork child register, while they are alone; the server only when
 * they could not.
 */
static bool membarrier_register(void)
{
	return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}
static pthread_t g_server_thread;	/* valid once g_server_started */
static bool g_server_started;
static uint64_t s_nospare_enter, s_starved_at;
static uint64_t s_phase_start;
static bool s_busy;

/* The version alone: reports print it after the allocator's name. */
API const char ngmalloc_version[] = NGM_VERSION;

void *__libc_malloc(size_t n);
void __libc_free(void *p);
void *__libc_memalign(size_t align, size_t n);
void *__libc_realloc(void *p, size_t n);

/* ---- small helpers ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

static long futex(_Atomic uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

/* Counters written only by their owner, read by the statistics writer. */
#define STAT_ADD(field, v) __atomic_store_n(&(field), (field) + (v), __ATOMIC_RELAXED)
#define STAT_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

static uint64_t env_num(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return dflt;
	v = strtoull(s, &end, 10);
	return *end ? dflt : v;
}

/* No allocation here: getenv and strtoull only. */
static void config_read(void)
{
	const char *s;

	cfg.mode = MODE_ASYNC;
	s = getenv("NGMALLOC_MODE");
	if (s && !strcmp(s, "sync"))
		cfg.mode = MODE_SYNC;
	else if (s && !strcmp(s, "paper"))
		cfg.mode = MODE_PAPER;
	s = getenv("NGMALLOC_BASE");
	cfg.base = s && !strcmp(s, "glibc") ? BASE_GLIBC : BASE_OWN;
	s = getenv("NGMALLOC_CPU");
	cfg.cpu = s && *s ? atoi(s) : INT_MIN;	/* INT_MIN: the last allowed */
	cfg.stock_init = (unsigned)env_num("NGMALLOC_STOCK", 16);
	if (cfg.stock_init < 1)
		cfg.stock_init = 1;
	cfg.use_stock = cfg.mode == MODE_ASYNC && env_num("NGMALLOC_PREALLOC", 1);
	cfg.async_free = cfg.mode != MODE_SYNC &&
			 (cfg.mode == MODE_PAPER || env_num("NGMALLOC_ASYNC_FREE", 1));
	cfg.local = cfg.mode == MODE_ASYNC && cfg.async_free ?
		    (unsigned)env_num("NGMALLOC_LOCAL", 64) : 0;
	if (cfg.local > LC_CAP)
		cfg.local = LC_CAP;
	cfg.adapt = env_num("NGMALLOC_ADAPT", 1) != 0;
	cfg.thp = env_num("NGMALLOC_THP", 1) != 0;
	cfg.prefault = env_num("NGMALLOC_PREFAULT", 1) != 0;
	cfg.purge_ns = env_num("NGMALLOC_PURGE_MS", 50) * 1000000;
	s = getenv("NGMALLOC_NOSPARE");
	cfg.nospare = s && !strcmp(s, "0") ? 0 : s && !strcmp(s, "1") ? 1 : -1;
	if (cfg.mode != MODE_ASYNC)
		cfg.nospare = 0;	/* the paper's protocols as they are */
	cfg.spin_ns = env_num("NGMALLOC_SPIN_US", 50) * 1000;
	cfg.nap_ns = env_num("NGMALLOC_NAP_US", NAP_NS / 1000) * 1000;
	cfg.horizon_ns = env_num("NGMALLOC_HORIZON_US", STOCK_HORIZON_NS / 1000) * 1000;
	if (cfg.nap_ns > NAP_MAX_NS)
		cfg.nap_ns = NAP_MAX_NS;
	cfg.trim_ns = env_num("NGMALLOC_TRIM_MS", 100) * 1000000;
	/* a nap longer than half the idle time would hide the idle threads
	 * a short NGMALLOC_TRIM_MS asks to trim: the server looks for them
	 * only when awake */
	if (cfg.trim_ns && cfg.nap_ns > cfg.trim_ns / 2)
		cfg.nap_ns = cfg.trim_ns / 2;
	s = getenv("NGMALLOC_STATS");
	cfg.stats_path = s && *s ? s : NULL;
}

/* Before the server exists: the region (own base) and the configuration. */
static void heap_ready_locked(void)
{
	if (atomic_load_explicit(&g_state, memory_order_relaxed) != ST_NONE)
		return;
	config_read();
	ngm_heap_set_flags((cfg.thp ? NGM_HEAP_THP : 0) | (cfg.prefault ? NGM_HEAP_PREFAULT : 0) |
			   (cfg.purge_ns ? 0 : NGM_HEAP_PURGE_NOW));
	if (cfg.base == BASE_OWN && ngm_heap_init((size_t)64 << 30))
		cfg.base = BASE_GLIBC;	/* no address space: glibc it is */
	atomic_store_explicit(&g_state, ST_HEAP, memory_order_release);
}

/* The configuration before the first use of cfg (memalign may come first). */
static void cfg_ready(void)
{
	if (likely(atomic_load_explicit(&g_state, memory_order_acquire) != ST_NONE))
		return;
	pthread_mutex_lock(&g_heap_mtx);
	heap_ready_locked();
	pthread_mutex_unlock(&g_heap_mtx);
}

/*
 * A double free, as glibc reports it: a message on standard error and
 * abort().  No stdio (it may allocate): the digits are written by hand.
 */
static _Noreturn __attribute__((cold)) void die_double_free(const void *p, const char *where)
{
	char buf[160], *s = buf;
	const char *m = "ngmalloc: free(): double free of 0x";
	uintptr_t v = (uintptr_t)p;
	int i;

	while (*m)
		*s++ = *m++;
	for (i = (int)sizeof(v) * 2 - 1; i >= 0; i--)
		*s++ = "0123456789abcdef"[(v >> (i * 4)) & 15];
	*s++ = ' ';
	while (*where && s < buf + sizeof(buf) - 2)
		*s++ = *where++;
	*s++ = '\n';
	if (write(2, buf, (size_t)(s - buf)) < 0) {
		/* nothing else to do: we abort anyway */
	}
	abort();
}

/*
 * Double frees.  A block's freed byte (internal.h) is set by free and
 * cleared by malloc when it hands the block out, in every protocol, so a
 * second free finds it set wherever the block went in between: the
 * thread's local stack (which the server never sees), the free queue, the
 * server's heap, or a stock.  Blocks the server takes back from stocks or
 * stacks keep their byte.  handed_out: a block of the region;
 * handed_out_any: a block of any origin (the glibc base's are not).
 */
static inline void *handed_out(void *p)
{
	atomic_store_explicit(ngm_freed_byte(p), 0, memory_order_relaxed);
	return p;
}

static inline void *handed_out_any(void *p)
{
	if ((uintptr_t)p - (uintptr_t)ngm_region_base < ngm_region_size)
		atomic_store_explicit(ngm_freed_byte(p), 0, memory_order_relaxed);
	return p;
}

/* ---- the base allocator, run by the heap's owner ---- */

static size_t glibc_usable(void *p)
{
	size_t sz;

	if (real_usable)
		return real_usable(p);
	/* before the constructor: glibc's chunk header (size | flags) */
	sz = ((size_t *)p)[-1];
	return (sz & ~(size_t)7) - ((sz & 2) ? 2 : 1) * sizeof(size_t);
}

static unsigned base_alloc_class(unsigned cls, void **out, unsigned n)
{
	unsigned i;

	if (cfg.base == BASE_OWN)
		return ngm_heap_alloc_batch(cls, out, n);
	for (i = 0; i < n; i++)
		if (!(out[i] = __libc_malloc(ngm_classes[cls].size)))
			break;
	return i;
}

static void *base_malloc(size_t n)
{
	unsigned cls;
	void *p;

	if (cfg.base == BASE_GLIBC)
		return __libc_malloc(n);
	cls = ngm_size_class(n);
	if (!cls)
		return ngm_large_alloc(n, 0);
	return ngm_heap_alloc_batch(cls, &p, 1) ? p : NULL;
}

/*
 * Frees of large blocks that no record explains yet.  A client maps its
 * large blocks itself and queues their records; another thread may free
 * one before the server has drained the record from its maker's queue.
 * The record was published before the free (the program handed the block
 * over in between), so it is drained by the end of the server's next pass
 * over the clients: a free still unexplained then is a double free (a
 * block unmapped lately) or a pointer that is not ours.  Heap owner only.
 */
struct pending {
	void *p;
	uint32_t pass;
};
static struct pending *s_pending;	/* mapped, grown by doubling */
static size_t s_npending, s_pending_cap;
static uint32_t s_pass;			/* passes of the server over its clients */

static void large_unknown(void *p)
{
	if (ngm_large_unknown(p) == -EALREADY)
		die_double_free(p, "(a large block, detected by the allocator core)");
	/* a foreign pointer is counted and ignored */
}

/* Room for one more pending free (a burst of frees of blocks whose
 * records wait in a queue drained later in the pass can be long). */
static bool pending_room(void)
{
	size_t cap = s_pending_cap ? 2 * s_pending_cap : 4096 / sizeof(*s_pending);
	struct pending *n;

	if (s_npending < s_pending_cap)
		return true;
	n = mmap(NULL, cap * sizeof(*n), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (n == MAP_FAILED)
		return false;
	if (s_pending) {
		memcpy(n, s_pending, s_npending * sizeof(*n));
		munmap(s_pending, s_pending_cap * sizeof(*n));
	}
	s_pending = n;
	s_pending_cap = cap;
	return true;
}

static void large_free(void *p)
{
	if (!ngm_large_free(p))
		return;
	if (pending_room()) {
		s_pending[s_npending].p = p;
		s_pending[s_npending++].pass = s_pass;
	} else {
		large_unknown(p);	/* no memory: the verdict at once */
	}
}

/* At the end of a pass: the pending frees whose records came, or whose
 * time is up. */
static void pending_retry(void)
{
	size_t i = 0;

	while (i < s_npending) {
		void *p = s_pending[i].p;

		if (ngm_large_free(p)) {	/* still no record */
			if (s_pass == s_pending[i].pass) {
				i++;
				continue;
			}
			large_unknown(p);
		}
		s_pending[i] = s_pending[--s_npending];
	}
}

static void base_free(void *p)
{
	if (!p)
		return;
	if (ngm_region_base && ngm_in_region(p)) {
		if (ngm_heap_free(p) == -EALREADY)
			die_double_free(p, "(detected by the allocator core)");
	} else if (cfg.base == BASE_GLIBC)
		__libc_free(p);
	else
		large_free(p);
}

static void *base_memalign(size_t align, size_t n)
{
	unsigned cls;
	void *p;

	if (cfg.base == BASE_GLIBC)
		return __libc_memalign(align, n);
	cls = ngm_aligned_class(align, n);
	if (!cls)
		return ngm_large_alloc(n, align);
	return ngm_heap_alloc_batch(cls, &p, 1) ? p : NULL;
}

static size_t base_usable(void *p)
{
	if (ngm_region_base && ngm_in_region(p))
		return ngm_heap_usable(p);
	return cfg.base == BASE_GLIBC ? glibc_usable(p) : ngm_heap_usable(p);
}

static uintptr_t base_op(unsigned op, uint64_t a0, uint64_t a1)
{
	switch (op) {
	case OP_MALLOC:
		return (uintptr_t)base_malloc(a0);
	case OP_FREE:
		base_free((void *)a0);
		return 0;
	case OP_MEMALIGN:
		return (uintptr_t)base_memalign(a0, a1);
	case OP_REALLOC:
		/* large blocks only (the caller copies small ones itself) */
		if (cfg.base == BASE_GLIBC)
			return (uintptr_t)__libc_realloc((void *)a0, a1);
		return (uintptr_t)ngm_large_realloc((void *)a0, a1);
	case OP_USABLE:
		return base_usable((void *)a0);
	}
	return 0;
}

/* ---- waking and parking the server ---- */

/*
 * Dekker's pattern with the server's sleep (server_idle): the client has
 * published its work, then fences and reads g_sleeping; the server has set
 * g_sleeping, then fences and looks for work.  One of them sees the other.
 */
static void server_wake(struct client *c, uint32_t states)
{
	atomic_thread_fence(memory_order_seq_cst);
	if ((atomic_load_explicit(&g_sleeping, memory_order_relaxed) & states) &&
	    atomic_exchange(&g_sleeping, 0)) {
		futex(&g_sleeping, FUTEX_WAKE_PRIVATE, 1, NULL);
		if (c)
			STAT_ADD(c->own.kicks, 1);
	}
}

/* The client needs the server now: wake it from a sleep or a nap. */
static void server_kick(struct client *c)
{
	server_wake(c, SRV_SLEEP | SRV_NAP);
}

/* Work that can wait for the end of a nap: wake a sleeping server only. */
static void server_nudge(struct client *c)
{
	server_wake(c, SRV_SLEEP);
}

/* Caller holds g_heap_mtx: parks the running server at a safe point. */
static void server_park_locked(void)
{
	uint32_t n = ++g_park_count;

	if (!n)
		n = ++g_park_count;
	atomic_store(&g_park_req, n);
	server_kick(NULL);
	for (;;) {
		uint32_t a = atomic_load_explicit(&g_park_ack, memory_order_acquire);
		struct timespec ts = { 0, 1000000 };

		if (a == n)
			break;
		futex(&g_park_ack, FUTEX_WAIT_PRIVATE, a, &ts);
	}
}

static void server_unpark_locked(void)
{
	atomic_store(&g_park_req, 0);
	futex(&g_park_req, FUTEX_WAKE_PRIVATE, 1, NULL);
}

/* ---- the server ---- */

static unsigned max_target(unsigned cls)
{
	unsigned t = STOCK_BYTES / ngm_classes[cls].size;

	return t < 1 ? 1 : t > STOCK_CAP ? STOCK_CAP : t;
}

/*
 * Tops up the stock of class cls to its target, after adapting the target
 * to the rate of demand: blocks taken since the last refill over the time
 * since then, times STOCK_HORIZON_NS.  An empty stock (dry) at least
 * doubles it.
 */
static void refill(struct client *c, unsigned cls, bool dry)
{
	uint32_t head = atomic_load_explicit(&c->stock_head[cls], memory_order_acquire);
	uint32_t tail = atomic_load_explicit(&c->stock_tail[cls], memory_order_relaxed);
	uint32_t target = c->srv.target[cls], have, want, got, off, first;

	if (cfg.adapt) {
		uint64_t t = now_ns(), dt = t - c->srv.last_refill[cls];
		uint64_t used = head - c->srv.last_head[cls], want_t;
		uint32_t max = max_target(cls);

		/* the first request of a class finds it empty anyway */
		if (c->srv.last_refill[cls]) {
			uint64_t horizon = cfg.horizon_ns;

			if ((atomic_load_explicit(&g_epoch, memory_order_relaxed) & 1) &&
			    horizon < STOCK_HORIZON_NOSPARE_NS)
				horizon = STOCK_HORIZON_NOSPARE_NS;

			want_t = dt ? used * horizon / dt : max;
			if (dry && want_t < 2 * (uint64_t)target)
				want_t = 2 * (uint64_t)target;
			target = want_t < 2 ? 2 : want_t > max ? max : (uint32_t)want_t;
			if (target > max)
				target = max;
			c->srv.target[cls] = target;
		}
		c->srv.last_refill[cls] = t;
		c->srv.last_head[cls] = head;
	}
	atomic_store_explicit(&c->stock_low[cls], target / 2, memory_order_relaxed);
	have = tail - head;
	if (have >= target)
		return;
	want = target - have;
	off = tail & (STOCK_CAP - 1);
	first = want < STOCK_CAP - off ? want : STOCK_CAP - off;
	got = base_alloc_class(cls, &c->stock[cls][off], first);
	if (got == first && want > first)
		got += base_alloc_class(cls, &c->stock[cls][0], want - first);
	atomic_store_explicit(&c->stock_tail[cls], tail + got, memory_order_release);
	S.prealloc += got;
}

/* A large block a client mapped: recorded, or (the table could not grow)
 * counted; a later free of it is then an invalid pointer, and its mapping
 * stays: the program holds it. */
static void large_record(void *p, size_t len)
{
	if (ngm_large_adopt(p, len))
		S.large_unrecorded++;
	S.large_client++;
}

/* The client's queued frees and large-block records; refill requests too
 * unless the client is being trimmed (its stocks are about to be taken
 * back). */
static unsigned drain_frees(struct client *c, bool refills)
{
	uint32_t n = ngm_ring_avail(&c->srv.fq, &c->bell.fq_tail), i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++) {
		uintptr_t v = ngm_ring_get(&c->srv.fq, c->fq, FQ_CAP);

		if ((v & 15) == 1 && v >= REFILL_TAG(1) && v <= REFILL_TAG(NGM_NCLASSES)) {
			if (refills) {
				refill(c, (unsigned)(v >> 4), false);
				S.refills++;
			}
		} else if ((v & 15) == LARGE_TAG) {
			/* published with its length: both slots are there */
			uintptr_t len = ngm_ring_get(&c->srv.fq, c->fq, FQ_CAP);

			i++;
			large_record((void *)(v & ~(uintptr_t)15), len);
		} else {
			base_free((void *)v);
			S.frees++;
		}
	}
	ngm_ring_release(&c->srv.fq, &c->fq_head);
	return n;
}

static void take_back(struct client *c);
static uint32_t lc_mode_max(const struct client *c, unsigned cls);
static uint32_t lc_hard_max(unsigned cls);
static size_t client_bytes(void);

static uintptr_t serve_op(struct client *c, unsigned op, uint64_t a0, uint64_t a1)
{
	void *p;

	if (op == OP_TRIM) {	/* the client waits: its blocks are ours */
		take_back(c);
		S.trim_asks++;
		return 0;
	}
	if (op == OP_USABLE || op == OP_REALLOC) {
		/* the block may be another thread's, mapped by it: its record
		 * must be in the table first */
		struct client *x;

		for (x = s_list; x; x = x->srv.next)
			if (x != c)
				drain_frees(x, true);
	}
	if (op != OP_REFILL)
		return base_op(op, a0, a1);
	/* an empty stock: one block now, and the stock refilled behind it */
	if (!base_alloc_class((unsigned)a0, &p, 1))
		p = NULL;
	refill(c, (unsigned)a0, true);
	return (uintptr_t)p;
}

static void adopt_one(struct client *c)
{
	unsigned cls;

	for (cls = 1; cls <= NGM_NCLASSES; cls++) {
		c->srv.target[cls] = cfg.stock_init < max_target(cls) ? cfg.stock_init
								       : max_target(cls);
		c->srv.last_refill[cls] = 0;
	}
	/* the small classes' stocks filled ahead of the first call: a thread's
	 * first malloc of a size need not wait (the blocks are not touched) */
	if (cfg.use_stock && !c->own.shared)
		for (cls = 1; cls <= PREFILL_CLASSES; cls++)
			refill(c, cls, false);
	c->srv.prev = NULL;
	c->srv.next = s_list;
	if (s_list)
		s_list->srv.prev = c;
	s_list = c;
	S.threads++;
}

static unsigned adopt_incoming(void)
{
	struct client *c, *next;
	unsigned n = 0;

	if (!atomic_load_explicit(&g_incoming, memory_order_relaxed))
		return 0;
	for (c = atomic_exchange(&g_incoming, NULL); c; c = next, n++) {
		next = c->inext;
		adopt_one(c);
	}
	return n;
}

/* A thread ended: take back its queued frees and unused stock, then its memory. */
static void reclaim(struct client *c)
{
	unsigned cls;

	drain_frees(c, false);
	for (cls = 1; cls <= NGM_NCLASSES; cls++) {
		uint32_t h = atomic_load_explicit(&c->stock_head[cls], memory_order_acquire);
		uint32_t t = atomic_load_explicit(&c->stock_tail[cls], memory_order_relaxed);

		S.unused += t - h;
		for (; h != t; h++)
			base_free(c->stock[cls][h & (STOCK_CAP - 1)]);
		/* the dead thread's local reuse stack: blocks it freed */
		S.local_unused += c->own.lc[cls].n;
		for (h = 0; h < c->own.lc[cls].n; h++)
			base_free(*lc_slot(c, cls, h));
	}
	S.dead_local += STAT_GET(c->own.local_hits);
	S.dead_flushes += STAT_GET(c->own.flushes);
	S.dead_borrows += STAT_GET(c->own.borrows);
	S.dead_overflows += STAT_GET(c->own.overflows);
	S.dead_waits += STAT_GET(c->own.waits);
	for (cls = 0; cls < OP_COUNT; cls++)
		S.dead_waits_op[cls] += STAT_GET(c->own.waits_op[cls]);
	S.dead_wait_ns += STAT_GET(c->own.wait_ns);
	S.dead_waits_long += STAT_GET(c->own.waits_long);
	S.dead_stalls += STAT_GET(c->own.stalls);
	S.dead_stall_ns += STAT_GET(c->own.stall_ns);
	S.dead_kicks += STAT_GET(c->own.kicks);
	if (c->srv.prev)
		c->srv.prev->srv.next = c->srv.next;
	else
		s_list = c->srv.next;
	if (c->srv.next)
		c->srv.next->srv.prev = c->srv.prev;
	munmap(c, client_bytes());
}

/*
 * Takes back everything a client holds: its queued frees (published or
 * not), its stocks and its local stacks.  Only while the client cannot
 * touch them: it waits for an OP_TRIM answer, or trim_idle has closed its
 * gate and seen it outside the allocator.  Its private indices are set as
 * if it had emptied them itself.
 */
static void take_back(struct client *c)
{
	unsigned cls;

	atomic_store_explicit(&c->bell.fq_tail, c->own.fq.tail, memory_order_relaxed);
	drain_frees(c, false);
	for (cls = 1; cls <= NGM_NCLASSES; cls++) {
		uint32_t h = atomic_load_explicit(&c->stock_head[cls], memory_order_relaxed);
		uint32_t t = atomic_load_explicit(&c->stock_tail[cls], memory_order_relaxed);
		uint32_t n = c->own.lc[cls].n, i;

		S.trimmed_blocks += t - h + n;
		for (; h != t; h++)
			base_free(c->stock[cls][h & (STOCK_CAP - 1)]);
		atomic_store_explicit(&c->stock_head[cls], t, memory_order_relaxed);
		c->own.sc[cls].tail = t;
		c->own.sc[cls].low = 0;
		c->own.asked[cls] = 0;
		/* the next refill sizes the stock afresh */
		c->srv.target[cls] = cfg.stock_init < max_target(cls) ? cfg.stock_init
								      : max_target(cls);
		c->srv.last_refill[cls] = 0;
		atomic_store_explicit(&c->stock_low[cls], 0, memory_order_relaxed);
		for (i = 0; i < n; i++)
			base_free(*lc_slot(c, cls, i));
		c->own.lc[cls].n = 0;
		c->own.lc[cls].max = lc_mode_max(c, cls);
		/* a stack that overflowed left pages of pointers behind */
		{
			uintptr_t a = ((uintptr_t)&lcs(c, cls)[512] + 4095) & ~(uintptr_t)4095;
			uintptr_t e = (uintptr_t)&lcs(c, cls)[lc_hard_max(cls)] & ~(uintptr_t)4095;

			if (e > a)
				madvise((void *)a, e - a, MADV_DONTNEED);
		}
	}
}

/*
 * What changes whenever the client allocates or frees, read by the server
 * without the client's help: local reuses, stock heads, the free queue's
 * private tail, waits and flushes.  Equal over cfg.trim_ns: the thread has
 * not called malloc or free meanwhile (or called it exactly as often as
 * its stacks returned to their level, which is idle enough).
 */
static uint64_t client_fingerprint(const struct client *c)
{
	uint64_t fp = STAT_GET(c->own.local_hits) + STAT_GET(c->own.waits) * 3 +
		      STAT_GET(c->own.flushes) * 5 + __atomic_load_n(&c->own.fq.tail, __ATOMIC_RELAXED);
	unsigned cls;

	for (cls = 1; cls <= NGM_NCLASSES; cls++)
		fp = fp * 31 + atomic_load_explicit(&c->stock_head[cls], memory_order_relaxed) +
		     __atomic_load_n(&c->own.lc[cls].n, __ATOMIC_RELAXED);
	return fp;
}

/*
 * A thread that went idle (blocked, sleeping) keeps its stocks and local
 * stacks; the server takes them back without a lock on the client's fast
 * paths.  The handshake, per client idle for cfg.trim_ns:
 *
 *   server: CAS trim NONE -> CLOSING; *gate = NULL (the thread's t_client);
 *           membarrier(); read *inside;
 *           outside: take_back(), trim = STOLEN; inside: trim = ASK.
 *   client: t_inside = 1; compiler barrier; c = t_client; ...; t_inside = 0.
 *           A NULL gate sends it to the slow path (client_reopen): it waits
 *           out CLOSING, asks the server to take_back() for ASK (a request
 *           it waits for), reopens the gate, then stores trim = NONE.
 *
 * This is Dekker's pattern with the fence on the server's side only:
 * MEMBARRIER_CMD_PRIVATE_EXPEDITED runs a full barrier on every CPU that
 * runs a thread of the process, so either the client's store of t_inside
 * is visible to the server, or the client's load of its gate (after its
 * barrier point) sees NULL.  A client racing back in therefore either
 * made the server ask instead of take, or finds its gate closed and waits
 * for the server to finish.  The client reopens its gate before it stores
 * NONE, so a new close (which needs NONE) always lands after the reopening.
 * The server writes the thread's TLS only between its CAS and ASK/STOLEN;
 * an exiting thread waits out CLOSING and sets DEAD, so its TLS is never
 * written after the thread is gone.  Without membarrier the server only
 * asks.
 */
static void trim_client(struct client *c)
{
	uint32_t expect = TRIM_NONE;

	if (!atomic_compare_exchange_strong(&c->trim, &expect, TRIM_CLOSING))
		return;		/* asked already, or exiting */
	atomic_store_explicit(c->own.gate, NULL, memory_order_relaxed);
	if (s_membarrier && syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0 &&
	    !atomic_load_explicit(c->own.inside, memory_order_acquire)) {
		take_back(c);
		S.trims++;
		atomic_store_explicit(&c->trim, TRIM_STOLEN, memory_order_release);
	} else {
		atomic_store_explicit(&c->trim, TRIM_ASK, memory_order_release);
	}
}

/* Does c hold anything the server could take back? */
static bool client_holds(const struct client *c)
{
	unsigned cls;

	if (__atomic_load_n(&c->own.fq.tail, __ATOMIC_RELAXED) != c->srv.fq.head)
		return true;
	for (cls = 1; cls <= NGM_NCLASSES; cls++)
		if (__atomic_load_n(&c->own.lc[cls].n, __ATOMIC_RELAXED) ||
		    atomic_load_explicit(&c->stock_head[cls], memory_order_relaxed) !=
		    atomic_load_explicit(&c->stock_tail[cls], memory_order_relaxed))
			return true;
	return false;
}

static void trim_idle(uint64_t now)
{
	struct client *c;
	bool went_idle = false;

	for (c = s_list; c; c = c->srv.next) {
		uint64_t fp;

		if (c->own.shared || !c->own.gate ||
		    atomic_load_explicit(&c->bell.dead, memory_order_relaxed))
			continue;
		fp = client_fingerprint(c);
		if (fp != c->srv.idle_fp || !c->srv.idle_since) {
			c->srv.idle_fp = fp;
			c->srv.idle_since = now;
			c->srv.trimmed = false;
			continue;
		}
		if (c->srv.trimmed || now - c->srv.idle_since < cfg.trim_ns)
			continue;
		c->srv.trimmed = true;
		went_idle = true;
		if (!client_holds(c))
			continue;
		trim_client(c);
		c->srv.idle_fp = client_fingerprint(c);
	}
	/* glibc keeps the pages of what its arena freed: give them back */
	if (went_idle && cfg.base == BASE_GLIBC && real_malloc_trim) {
		real_malloc_trim(0);
		S.glibc_trims++;
	}
}

static unsigned serve_client(struct client *c, uint64_t now)
{
	unsigned n = drain_frees(c, true);
	uint32_t seq = atomic_load_explicit(&c->bell.req_seq, memory_order_acquire);

	if (seq != c->srv.req_seen) {
		/* what the client queued before its request (frees, records of
		 * large blocks it mapped) may have come after the drain above */
		n += drain_frees(c, true);
		c->srv.req_seen = seq;
		c->resp_val = serve_op(c, c->bell.op, c->bell.a0, c->bell.a1);
		atomic_store_explicit(&c->resp_seq, seq, memory_order_release);
		/* Dekker again, with wait_until: answer, fence, look for a sleeper */
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load_explicit(&c->blocked, memory_order_relaxed)) {
			atomic_store_explicit(&c->blocked, 0, memory_order_relaxed);
			futex(&c->resp_seq, FUTEX_WAKE_PRIVATE, 1, NULL);
		}
		S.requests++;
		n++;
	}
	if (atomic_load_explicit(&c->bell.dead, memory_order_acquire)) {
		reclaim(c);
		return n + 1;
	}
	if (n)
		c->srv.last_active = now;
	return n;
}

static bool any_work(void)
{
	struct client *c;

	if (atomic_load(&g_incoming) || atomic_load(&g_park_req))
		return true;
	for (c = s_list; c; c = c->srv.next)
		if (atomic_load(&c->bell.fq_tail) != c->srv.fq.head ||
		    atomic_load(&c->bell.req_seq) != c->srv.req_seen || atomic_load(&c->bell.dead))
			return true;
	return false;
}

static void phase_switch(bool busy, uint64_t t)
{
	if (s_busy)
		S.busy_ns += t - s_phase_start;
	else
		S.idle_ns += t - s_phase_start;
	s_phase_start = t;
	s_busy = busy;
}

/* Parked until unparked; true when the unpark asks the server to end
 * (server_stop). */
static bool server_park(void)
{
	uint32_t r;

	phase_switch(false, now_ns());
	/* an unpark and the next park may both come while we sleep here:
	 * acknowledge each request number, not just the first */
	while ((r = atomic_load(&g_park_req))) {
		atomic_store_explicit(&g_park_ack, r, memory_order_release);
		futex(&g_park_ack, FUTEX_WAKE_PRIVATE, 1, NULL);
		futex(&g_park_req, FUTEX_WAIT_PRIVATE, r, NULL);
	}
	s_phase_start = now_ns();
	return atomic_load(&g_stop_req) != 0;
}

static cpu_set_t s_allowed;		/* the process's CPUs, at the start */

/*
 * The server's CPU, chosen per process: one of the allowed CPUs picked by
 * the process id (so that the servers of concurrent processes spread over
 * the machine instead of all sharing the last CPU), skipping the CPU the
 * starting thread runs on when there is another.  NGMALLOC_CPU names one;
 * -1 leaves the server unpinned.
 */
static void pin_server(int starter_cpu)
{
	cpu_set_t set;
	int cpu = cfg.cpu, i, n = 0, pick;
	short list[CPU_SETSIZE];

	if (sched_getaffinity(0, sizeof(s_allowed), &s_allowed))
		CPU_ZERO(&s_allowed);
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &s_allowed))
			list[n++] = (short)i;
	g_ncpus = n > 0 ? n : 1;
	if (cpu == -1 || n == 0)
		return;
	if (cpu == INT_MIN) {
		pick = (int)((unsigned)getpid() % (unsigned)n);
		if (list[pick] == starter_cpu && n > 1)
			pick = (pick + 1) % n;
		cpu = list[pick];
	}
	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) == 0)	/* best effort */
		g_server_cpu = cpu;
}

/*
 * Without a spare core.  Two signals, seen by the server:
 *  - oversubscribed: at least as many clients needed the server in the
 *    last ACTIVE_NS as the process has CPUs, for OVERSUB_NS in a row; the
 *    server then sleeps as soon as it has nothing to do;
 *  - starved: over a window of STARVED_WINDOW_NS the server was off its
 *    CPU for more than STARVED_LOST_NS in all: other processes, or the
 *    program's threads, ran there (starved_since: wall time less the
 *    thread's CPU time, so that its own work is not taken for it).  A
 *    single gap of a few milliseconds (the hypervisor running another
 *    guest, a short-lived process) is not starvation: switching modes for
 *    it cost a single-threaded program long waits and a server placed on
 *    its own CPU.
 * Either one, or a crowded machine (below), makes the clients batch
 * harder (g_epoch odd: bigger local stacks, stocks sized for a longer
 * absence) and unpins the server, so that the kernel can move it off a
 * CPU it shares; oversubscribed and crowded also make it sleep as soon
 * as it has nothing to do.  Each is held for NOSPARE_HOLD_NS after it was
 * last seen, so that the mode does not flap.
 */
static bool s_oversub, s_unpinned;
static uint64_t s_oversub_first, s_oversub_last;

/*
 * Crowded: the machine has more runnable threads than CPUs, in
 * CROWD_LOOKS looks in a row over at least CROWD_NS (one look sees a
 * third thread now and then on an idle machine: a kernel worker, a
 * short-lived process).  The two signals above see only this process: a
 * build that runs one compiler per CPU, each with its server, has one
 * client per process and starves each server for a while before a window
 * shows it, while the spinning servers take CPU time from the compilers.
 * The count is the fourth field of /proc/loadavg (runnable threads over
 * total), which counts this server as it reads; it is compared with the
 * machine's CPUs, not the process's.  Read with open, read and close
 * each time (no descriptor is kept, which a program that closes every
 * descriptor would pull from under us), at most every CROWD_LOOK_NS and
 * only while the server is awake; never again after a look fails (no
 * /proc in a sandbox).
 */
static int s_machine_cpus;
static bool s_crowd_off;
static uint64_t s_crowd_look, s_crowd_first, s_crowd_last;
static unsigned s_crowd_run;

/* Runnable threads on the machine, or -1. */
static int machine_running(void)
{
	char buf[128];
	const char *p = buf;
	int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC), r = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (int field = 0; field < 3; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9' && r < 1000000)
		r = r * 10 + (*p++ - '0');
	return *p == '/' ? r : -1;
}

/* One look: counts a crowded one, and notes the machine crowded
 * (s_crowd_last) after CROWD_LOOKS of them in a row over CROWD_NS. */
static void crowd_look(uint64_t now)
{
	int running;

	s_crowd_look = now;
	if (!s_machine_cpus) {
		int n = get_nprocs();

		s_machine_cpus = n > g_ncpus ? n : g_ncpus;
	}
	running = machine_running();
	if (running < 0) {
		s_crowd_off = true;
		return;
	}
	S.crowd_looks++;
	if ((uint64_t)running > S.crowd_max)
		S.crowd_max = (uint64_t)running;
	if (running > s_machine_cpus) {
		if (!s_crowd_run++)
			s_crowd_first = now;
		if (s_crowd_run >= CROWD_LOOKS && now - s_crowd_first >= CROWD_NS) {
			if (!s_crowd_last || now - s_crowd_last >= NOSPARE_HOLD_NS)
				S.crowded++;
			s_crowd_last = now;
		}
	} else {
		s_crowd_run = 0;
	}
}

static bool crowded(uint64_t now)
{
	if (!s_crowd_off && now - s_crowd_look >= CROWD_LOOK_NS)
		crowd_look(now);
	return s_crowd_last && now - s_crowd_last < NOSPARE_HOLD_NS;
}

static void mode_update(uint64_t now, bool starved)
{
	uint32_t e = atomic_load_explicit(&g_epoch, memory_order_relaxed);
	bool was = e & 1, want, over;
	unsigned active = 0;
	struct client *c;

	for (c = s_list; c; c = c->srv.next)
		if (c->srv.last_active && now - c->srv.last_active < ACTIVE_NS)
			active++;
	if (active > S.active_max)
		S.active_max = active;
	if (starved) {
		S.starved++;
		s_starved_at = now;
	}
	if ((int)active >= g_ncpus) {
		if (!s_oversub_first)
			s_oversub_first = now;
		if (now - s_oversub_first >= OVERSUB_NS)
			s_oversub_last = now;
	} else {
		s_oversub_first = 0;
	}
	over = (s_oversub_last && now - s_oversub_last < NOSPARE_HOLD_NS) ||
	       (cfg.nospare < 0 && crowded(now));
	want = over || (s_starved_at && now - s_starved_at < NOSPARE_HOLD_NS);
	if (cfg.nospare >= 0)
		want = over = cfg.nospare;
	/* off its CPU, or sharing it: let the kernel place the server */
	if (want != s_unpinned && g_server_cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(g_server_cpu, &set);
		sched_setaffinity(0, want ? sizeof(s_allowed) : sizeof(set),
				  want ? &s_allowed : &set);
		s_unpinned = want;
	}
	s_oversub = over;
	if (want == was)
		return;
	if (want) {
		s_nospare_enter = now;
		S.nospare_switches++;
	} else {
		S.nospare_ns += now - s_nospare_enter;
	}
	atomic_store_explicit(&g_epoch, e + 1, memory_order_release);
}

/*
 * Spin a little, then sleep on a futex: on a machine with fewer cores than
 * threads a server that spins or keeps calling sched_yield takes a core
 * from the program.  Without a spare core it sleeps at once.
 */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Has the server been off its CPU for more than STARVED_LOST_NS of the
 * window that ends now?  Each look adds the wall time that passed, less
 * the CPU time the thread used (its own work counts: faulting a span in is
 * not starvation) and the time it slept or was parked on purpose
 * (excused).  Read at most once per millisecond: the thread's CPU clock is
 * a system call.  True once per starved window, at its end.
 */
static uint64_t s_window_start, s_window_lost;

static bool starved_since(uint64_t now, uint64_t *wall, uint64_t *cpu, uint64_t *excused)
{
	uint64_t c = thread_cpu_ns(), away = now - *wall, used = c - *cpu + *excused;
	bool starved;

	*wall = now;
	*cpu = c;
	*excused = 0;
	if (away > used)
		s_window_lost += away - used;
	if (!s_window_start)
		s_window_start = now;
	/* a window that ended with a loss this large is starved at once */
	if (now - s_window_start < STARVED_WINDOW_NS && s_window_lost <= STARVED_LOST_NS)
		return false;
	starved = s_window_lost > STARVED_LOST_NS;
	s_window_start = now;
	s_window_lost = 0;
	return starved;
}

static void *server_main(void *arg)
{
	uint64_t idle_start = 0, last = 0, last_mode = 0, cpu_mode, excused = 0, last_work = 0;
	uint64_t last_trim = 0;
	unsigned idle = 0;
	bool rested = false;

	t_flags |= F_SERVER;
	g_server_thread = pthread_self();
	g_server_started = true;
	prctl(PR_SET_NAME, "ngmalloc-srv", 0, 0, 0);
	pin_server((int)(intptr_t)arg);
	/* Registered already while the process had one thread (a no-op
	 * then); here only when that failed or the library came late. */
	if (!s_membarrier) {
		s_membarrier = membarrier_register();
		S.membarrier_late++;
	}
	/* a thread looping on direct calls would win the mutex again and again
	 * (it is not fair): g_takeover makes them wait for us instead */
	atomic_store(&g_takeover, 1);
	pthread_mutex_lock(&g_heap_mtx);
	if (g_shared && !g_shared->srv.target[1])
		adopt_one(g_shared);
	atomic_store_explicit(&g_state, ST_RUNNING, memory_order_release);
	atomic_store(&g_takeover, 0);
	pthread_mutex_unlock(&g_heap_mtx);
	s_phase_start = last = last_mode = now_ns();
	cpu_mode = thread_cpu_ns();
	s_busy = true;
	for (;;) {
		unsigned did;
		struct client *c, *next;
		uint64_t t;

		if (atomic_load_explicit(&g_park_req, memory_order_acquire)) {
			t = now_ns();
			if (server_park())
				break;
			excused += now_ns() - t;
		}
		did = adopt_incoming();
		t = idle == 0 || !(idle & 63) ? now_ns() : last;
		last = t;
		for (c = s_list; c; c = next) {
			next = c->srv.next;
			did += serve_client(c, t);
		}
		if (s_npending)
			pending_retry();
		/* new spans' pages, after the requests of this pass */
		if (cfg.base == BASE_OWN && ngm_heap_prefault(PREFAULT_STEP))
			did++;
		s_pass++;
		if (t - last_mode > 1000000) {
			uint64_t h0 = now_ns();

			mode_update(t, starved_since(t, &last_mode, &cpu_mode, &excused));
			/* housekeeping in the server's time: idle clients'
			 * blocks, old free runs' pages */
			if (cfg.trim_ns && t - last_trim > (cfg.trim_ns < 2 * TRIM_LOOK_NS ?
							     cfg.trim_ns / 2 : TRIM_LOOK_NS)) {
				trim_idle(t);
				last_trim = t;
			}
			if (cfg.base == BASE_OWN)
				ngm_heap_purge(cfg.purge_ns);
			h0 = now_ns() - h0;
			if (h0 > S.house_max_ns)
				S.house_max_ns = h0;
		}
		if (did) {
			uint64_t d = now_ns() - t;

			if (d > S.pass_max_ns)
				S.pass_max_ns = d;
			if (!s_busy)
				phase_switch(true, t);
			idle = 0;
			last_work = t;
			rested = false;
			continue;
		}
		if (idle++ == 0) {
			idle_start = t;
			if (s_busy)
				phase_switch(false, idle_start);
		}
		/* spin after work, when more may follow; not after a nap or a
		 * sleep that ended with nothing to do (its timeout), which
		 * would make each nap cost a spin */
		if (!rested && (idle & 63)) {
			cpu_relax();
			continue;
		}
		if (!rested && !s_oversub && t - idle_start < cfg.spin_ns)
			continue;
		t = now_ns();
		{
			bool nap = t - last_work < NAP_ACTIVE_NS;
			uint32_t how = nap ? SRV_NAP : SRV_SLEEP;

			atomic_store(&g_sleeping, how);
			atomic_thread_fence(memory_order_seq_cst);
			if (!any_work()) {
				struct timespec ts = { 0, (long)(nap ? cfg.nap_ns : SLEEP_NS) };

				if (nap)
					S.naps++;
				else
					S.sleeps++;
				futex(&g_sleeping, FUTEX_WAIT_PRIVATE, how, &ts);
			}
		}
		atomic_store(&g_sleeping, 0);
		idle = 0;
		rested = true;
		last = now_ns();
		excused += last - t;	/* a sleep is not starvation */
	}
	return NULL;
}

/*
 * Starts the server once the constructor has run.  Returns the state.  The
 * allocations of pthread_create are served directly (g_state is
 * ST_STARTING until the new thread has taken the heap).
 */
static int ensure_server(void)
{
	int st = atomic_load_explicit(&g_state, memory_order_acquire);
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t tid;
	int rc;

	if (st == ST_RUNNING || st == ST_STARTING || st == ST_FAILED || !g_ctor_done ||
	    !g_key_ok || (t_flags & (F_SERVER | F_REGISTERING)))
		return st;
	if (st == ST_NONE) {
		pthread_mutex_lock(&g_heap_mtx);
		heap_ready_locked();
		pthread_mutex_unlock(&g_heap_mtx);
		st = ST_HEAP;
	}
	if (!atomic_compare_exchange_strong(&g_state, &st, ST_STARTING))
		return st;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_attr_init(&attr);
	if (!rc) {
		/* joinable: server_stop waits for it to be gone */
		pthread_attr_setstacksize(&attr, 256 * 1024);
		rc = pthread_create(&tid, &attr, server_main,
				    (void *)(intptr_t)sched_getcpu());
		pthread_attr_destroy(&attr);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		atomic_store(&g_state, ST_FAILED);
		return ST_FAILED;
	}
	return ST_STARTING;
}

/* ---- clients ---- */

/* Entries a local stack may hold while the free queue is full. */
static uint32_t lc_hard_max(unsigned cls)
{
	uint32_t m = LC_BYTES_NOSPARE / ngm_classes[cls].size;

	return m > LC_CAP ? LC_CAP : m;
}

/* The local reuse limits of a client for the current mode. */
static uint32_t lc_mode_max(const struct client *c, unsigned cls)
{
	uint32_t size = ngm_classes[cls].size, m;

	if (c->own.shared || !cfg.local)
		m = 0;
	else if (c->own.epoch & 1)
		m = LC_BYTES_NOSPARE / size;
	else
		m = LC_BYTES / size < cfg.local ? LC_BYTES / size : cfg.local;
	return m > LC_CAP ? LC_CAP : m;
}

static void lc_limits(struct client *c)
{
	unsigned cls;

	c->own.epoch = atomic_load_explicit(&g_epoch, memory_order_acquire);
	for (cls = 1; cls <= NGM_NCLASSES; cls++)
		c->own.lc[cls].max = lc_mode_max(c, cls);
}

/* The size of a client's mapping (client_layout). */
static size_t g_client_bytes;
static pthread_once_t g_client_layout_once = PTHREAD_ONCE_INIT;

static void client_layout(void)
{
	size_t n = 0;
	unsigned cls;

	for (cls = 1; cls <= NGM_NCLASSES; cls++) {
		g_lcs_off[cls] = (uint32_t)n;
		n += lc_hard_max(cls);
	}
	g_client_bytes = CLIENT_HEAD + n * sizeof(void *);
}

/* The size of a client's mapping: the struct, then the deep stacks. */
static size_t client_bytes(void)
{
	pthread_once(&g_client_layout_once, client_layout);
	return g_client_bytes;
}

static struct client *client_new(bool shared)
{
	size_t len = client_bytes();
	struct client *c = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	/* the deep stacks after the struct are touched only as far as they
	 * are used (MAP_NORESERVE) */
	if (c == MAP_FAILED)
		return NULL;
	c->own.use_stock = cfg.use_stock;
	c->own.async_free = cfg.async_free;
	c->own.shared = shared;
	/* the paper's free: each one published (and the server woken) at once */
	c->own.fq_mask = cfg.mode == MODE_PAPER ? 0 : FQ_BATCH - 1;
	c->own.kick_each = cfg.mode == MODE_PAPER;
	lc_limits(c);
	return c;
}

static struct client *client_register(void)
{
	struct client *c, *head;

	if (!g_key_ok)
		return NULL;
	t_flags |= F_REGISTERING;	/* pthread_setspecific may allocate */
	c = client_new(false);
	if (c && pthread_setspecific(g_key, c)) {
		munmap(c, client_bytes());
		c = NULL;
	}
	if (c) {
		c->own.gate = &t_client;
		c->own.inside = &t_inside;
		head = atomic_load_explicit(&g_incoming, memory_order_relaxed);
		do
			c->inext = head;
		while (!atomic_compare_exchange_weak(&g_incoming, &head, c));
		t_self = c;
		atomic_store_explicit(&t_client, c, memory_order_relaxed);
	}
	t_flags &= ~F_REGISTERING;
	return c;
}

/*
 * No server will ever run (it could not be created): the thread takes back
 * its queued frees and its stocks itself and goes direct from now on.
 */
static void client_orphan(struct client *c)
{
	unsigned cls;
	uint32_t h;

	pthread_mutex_lock(&g_heap_mtx);
	for (h = c->srv.fq.head; h != c->own.fq.tail; h++) {
		uintptr_t v = c->fq[h & (FQ_CAP - 1)];

		if ((v & 15) == LARGE_TAG)
			large_record((void *)(v & ~(uintptr_t)15), c->fq[++h & (FQ_CAP - 1)]);
		else if ((v & 15) != 1)
			base_free((void *)v);
	}
	for (cls = 1; cls <= NGM_NCLASSES; cls++) {
		uint32_t t = atomic_load(&c->stock_tail[cls]);

		for (h = atomic_load(&c->stock_head[cls]); h != t; h++)
			base_free(c->stock[cls][h & (STOCK_CAP - 1)]);
		for (h = 0; h < c->own.lc[cls].n; h++)
			base_free(*lc_slot(c, cls, h));
		c->own.lc[cls].n = 0;
	}
	pthread_mutex_unlock(&g_heap_mtx);
	atomic_store(&c->bell.dead, 1);
	atomic_store(&t_client, NULL);
	t_self = NULL;
}

static uintptr_t client_call(struct client *c, unsigned op, uint64_t a0, uint64_t a1);

/*
 * The server closed the gate (trim_idle): wait until it is done, let it
 * take the blocks back if it only asked, and reopen the gate.  Called with
 * t_inside set.  Returns c.
 */
static __attribute__((noinline, cold)) struct client *client_reopen(struct client *c)
{
	uint32_t st;

	while ((st = atomic_load_explicit(&c->trim, memory_order_acquire)) == TRIM_CLOSING)
		sched_yield();
	/* (a fork child has no server yet: it keeps its blocks) */
	if (st == TRIM_ASK && atomic_load_explicit(&g_state, memory_order_acquire) == ST_RUNNING)
		client_call(c, OP_TRIM, 0, 0);
	atomic_store_explicit(&t_client, c, memory_order_relaxed);
	atomic_store_explicit(&c->trim, TRIM_NONE, memory_order_release);
	return c;
}

/* The thread's client when the server runs (registering it), else NULL. */
static struct client *get_client(void)
{
	struct client *c = atomic_load_explicit(&t_client, memory_order_relaxed);
	int st = atomic_load_explicit(&g_state, memory_order_acquire);

	if (likely(c != NULL && st == ST_RUNNING))
		return c;
	if (t_flags & (F_SERVER | F_EXITING | F_REGISTERING))
		return NULL;
	if (!c && t_self)
		c = client_reopen(t_self);
	if (st != ST_RUNNING) {
		st = ensure_server();
		if (st == ST_FAILED && c)
			client_orphan(c);
		if (st != ST_RUNNING)
			return NULL;
	}
	if (!c)
		c = client_register();
	/* registering and starting the server may have allocated (and left
	 * the allocator) on the way: this call is inside again */
	atomic_store_explicit(&t_inside, 1, memory_order_relaxed);
	return c;
}

static void client_exit(void *arg)
{
	struct client *c = arg;
	uint32_t st;

	if (!c || c != t_self)
		return;
	/* no more closing of the gate: the thread's TLS is about to go */
	for (;;) {
		st = atomic_load_explicit(&c->trim, memory_order_acquire);
		if (st == TRIM_CLOSING)
			sched_yield();
		else if (atomic_compare_exchange_weak(&c->trim, &st, TRIM_DEAD))
			break;
	}
	atomic_store(&t_client, NULL);
	t_self = NULL;
	t_flags |= F_EXITING;
	ngm_ring_publish(&c->own.fq, &c->bell.fq_tail);
	/* the last access: from here the server may unmap c */
	atomic_store_explicit(&c->bell.dead, 1, memory_order_release);
	server_kick(NULL);
}

/*
 * Waits for the answer numbered seq.  Spinning pays only when the server
 * runs on another core: on the server's own core (more threads than cores)
 * the client sleeps at once, so that the kernel runs the server.
 */
static void wait_reply(struct client *c, uint32_t seq, uint64_t t0)
{
	bool spin = g_server_cpu < 0 || sched_getcpu() != g_server_cpu;
	unsigned i;

	for (i = 1;; i++) {
		uint32_t r = atomic_load_explicit(&c->resp_seq, memory_order_acquire);
		struct timespec ts = { 0, 10000000 };

		if (r == seq)
			return;
		if (spin && ((i & 63) || now_ns() - t0 < CLIENT_SPIN_NS)) {
			cpu_relax();
			continue;
		}
		atomic_store_explicit(&c->blocked, 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load_explicit(&c->resp_seq, memory_order_relaxed) == r) {
			server_kick(c);
			/* the timeout only bounds a wait whose wake-up went astray */
			futex(&c->resp_seq, FUTEX_WAIT_PRIVATE, r, &ts);
		}
		atomic_store_explicit(&c->blocked, 0, memory_order_relaxed);
	}
}

/* One request in the client's slot, answered by the server (Pseudo Code 1). */
static uintptr_t client_call(struct client *c, unsigned op, uint64_t a0, uint64_t a1)
{
	uint64_t t0 = now_ns();
	uint32_t seq = ++c->own.seq;
	uint64_t d;

	/* queued frees first: the server serves them before the request */
	ngm_ring_publish(&c->own.fq, &c->bell.fq_tail);
	c->bell.op = op;
	c->bell.a0 = a0;
	c->bell.a1 = a1;
	atomic_store_explicit(&c->bell.req_seq, seq, memory_order_release);
	server_kick(c);
	wait_reply(c, seq, t0);
	STAT_ADD(c->own.waits, 1);
	STAT_ADD(c->own.waits_op[op], 1);
	d = now_ns() - t0;
	STAT_ADD(c->own.wait_ns, d);
	if (d > WAIT_LONG_NS)
		STAT_ADD(c->own.waits_long, 1);
	return c->resp_val;
}

/* Without a client of our own: the shared client, or the heap directly. */
static uintptr_t other_call(unsigned op, uint64_t a0, uint64_t a1)
{
	uintptr_t r;

	if (t_flags & F_SERVER)
		return base_op(op, a0, a1);
	for (;;) {
		if (atomic_load_explicit(&g_state, memory_order_acquire) == ST_RUNNING) {
			pthread_mutex_lock(&g_shared_mtx);
			if (atomic_load(&g_state) == ST_RUNNING) {
				r = client_call(g_shared, op, a0, a1);
				pthread_mutex_unlock(&g_shared_mtx);
				return r;
			}
			pthread_mutex_unlock(&g_shared_mtx);
			continue;
		}
		if (atomic_load(&g_takeover)) {
			sched_yield();
			continue;
		}
		pthread_mutex_lock(&g_heap_mtx);
		if (atomic_load(&g_state) != ST_RUNNING) {
			heap_ready_locked();
			if (!g_shared)
				g_shared = client_new(true);
			r = base_op(op, a0, a1);
			g_direct_ops++;
			pthread_mutex_unlock(&g_heap_mtx);
			return r;
		}
		pthread_mutex_unlock(&g_heap_mtx);
	}
}

/*
 * An allocator call that touches the thread's client is bracketed by
 * call_enter and call_leave (trim_idle's handshake): a plain store, a
 * compiler barrier so that the gate (t_client) is read after it, and a
 * release store at the end, after the call's last access to the client.
 */
static inline void call_enter(void)
{
	atomic_store_explicit(&t_inside, 1, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
}

static inline void call_leave(void)
{
	atomic_store_explicit(&t_inside, 0, memory_order_release);
}

static uintptr_t ngm_call(unsigned op, uint64_t a0, uint64_t a1)
{
	struct client *c;
	uintptr_t r;

	call_enter();
	c = get_client();
	r = c ? client_call(c, op, a0, a1) : other_call(op, a0, a1);
	call_leave();
	return r;
}

/* ---- async fast paths ---- */

/* The stock fell to its low watermark: ask for a refill; returns p (a
 * tail call of the fast path, which thus needs no stack frame). */
static __attribute__((noinline, cold)) void *stock_low(struct client *c, unsigned cls,
							uint32_t head, void *p)
{
	uint32_t t = atomic_load_explicit(&c->stock_tail[cls], memory_order_acquire);

	c->own.sc[cls].tail = t;
	c->own.sc[cls].low = atomic_load_explicit(&c->stock_low[cls], memory_order_relaxed);
	if (t - head > c->own.sc[cls].low)
		return p;	/* the server refilled meanwhile */
	if (!ngm_ring_put(&c->own.fq, &c->fq_head, c->fq, FQ_CAP, REFILL_TAG(cls)))
		return p;	/* queue full: the empty stock will ask */
	ngm_ring_publish(&c->own.fq, &c->bell.fq_tail);
	server_nudge(c);	/* half the stock is left: a nap's end is soon enough */
	return p;
}

static inline void *stock_take(struct client *c, unsigned cls)
{
	uint32_t h = atomic_load_explicit(&c->stock_head[cls], memory_order_relaxed);
	uint32_t t = c->own.sc[cls].tail;
	void *p;

	if (unlikely(h == t)) {
		t = atomic_load_explicit(&c->stock_tail[cls], memory_order_acquire);
		c->own.sc[cls].tail = t;
		c->own.sc[cls].low = atomic_load_explicit(&c->stock_low[cls],
							  memory_order_relaxed);
		if (h == t)
			return NULL;
		c->own.asked[cls] = 0;	/* the refill came */
	}
	p = handed_out_any(c->stock[cls][h & (STOCK_CAP - 1)]);
	/* the next line of the stock, which the server wrote: fetch it early */
	__builtin_prefetch(&c->stock[cls][(h + 8) & (STOCK_CAP - 1)]);
	h++;
	atomic_store_explicit(&c->stock_head[cls], h, memory_order_release);
	if (unlikely(t - h == c->own.sc[cls].low))
		return stock_low(c, cls, h, p);
	return p;
}

static void *enomem(void *p)
{
	if (!p)
		errno = ENOMEM;
	return p;
}

/* More than FQ_KICK frees wait: make sure the server is awake. */
static void fq_filling(struct client *c)
{
	c->own.fq.head_cache = atomic_load_explicit(&c->fq_head, memory_order_acquire);
	if (c->own.fq.tail - c->own.fq.head_cache > FQ_KICK)
		server_kick(c);
}

/* Queues v when there is room, without waiting; false when full. */
static bool fq_try(struct client *c, uintptr_t v)
{
	return ngm_ring_put(&c->own.fq, &c->fq_head, c->fq, FQ_CAP, v);
}

/* Queues v (a block, or a refill request) for the server. */
static void fq_push(struct client *c, uintptr_t v)
{
	uint64_t t0;

	if (likely(ngm_ring_put(&c->own.fq, &c->fq_head, c->fq, FQ_CAP, v))) {
		if ((c->own.fq.tail & c->own.fq_mask) == 0) {
			ngm_ring_publish(&c->own.fq, &c->bell.fq_tail);
			if (c->own.kick_each)
				server_kick(c);
			else if (unlikely(c->own.fq.tail - c->own.fq.head_cache > FQ_KICK))
				fq_filling(c);
		}
		return;
	}
	/* the queue is full: the server is behind, wait for room */
	t0 = now_ns();
	STAT_ADD(c->own.stalls, 1);
	ngm_ring_publish(&c->own.fq, &c->bell.fq_tail);
	server_kick(c);
	while (!ngm_ring_put(&c->own.fq, &c->fq_head, c->fq, FQ_CAP, v)) {
		if (now_ns() - t0 > STALL_SPIN_NS) {
			server_kick(c);
			sched_yield();
		} else {
			cpu_relax();
		}
	}
	ngm_ring_publish(&c->own.fq, &c->bell.fq_tail);
	STAT_ADD(c->own.stall_ns, now_ns() - t0);
}

/*
 * The local stack of class cls is full (or over its limit after the mode
 * changed): its older entries go to the server in one batch, the newer
 * half (the blocks most likely still in this core's cache) stays.
 */
static void lc_flush(struct client *c, unsigned cls)
{
	uint32_t n = c->own.lc[cls].n, keep = lc_mode_max(c, cls) / 2, out, room, i;

	if (keep > n)
		keep = n;
	out = n - keep;
	room = FQ_CAP - (c->own.fq.tail - c->own.fq.head_cache);
	if (room < out) {
		c->own.fq.head_cache = atomic_load_explicit(&c->fq_head, memory_order_acquire);
		room = FQ_CAP - (c->own.fq.tail - c->own.fq.head_cache);
	}
	/*
	 * A burst of frees outruns the server (each of its frees costs more
	 * than the client's): rather than wait for room in the queue, the
	 * stack keeps what does not fit, up to LC_BYTES_NOSPARE of the class,
	 * and tries again 64 frees later (its limit raised meanwhile).
	 */
	if (room < out && n < lc_hard_max(cls)) {
		uint32_t hard = lc_hard_max(cls);

		server_kick(c);
		STAT_ADD(c->own.overflows, 1);
		c->own.lc[cls].max = n + 64 < hard ? n + 64 : hard;
		out = room;
		if (!out)
			return;
	} else {
		c->own.lc[cls].max = lc_mode_max(c, cls);
	}
	for (i = 0; i < out; i++)
		fq_push(c, (uintptr_t)*lc_slot(c, cls, i));
	for (i = out; i < n; i++)
		*lc_slot(c, cls, i - out) = *lc_slot(c, cls, i);
	c->own.lc[cls].n = n - out;
	ngm_ring_publish(&c->own.fq, &c->bell.fq_tail);
	STAT_ADD(c->own.flushes, 1);
}

/* The server switched modes: new local limits, excess handed back. */
static void client_mode(struct client *c)
{
	unsigned cls;

	if (likely(atomic_load_explicit(&g_epoch, memory_order_relaxed) == c->own.epoch))
		return;
	lc_limits(c);
	for (cls = 1; cls <= NGM_NCLASSES; cls++)
		if (c->own.lc[cls].n > c->own.lc[cls].max)
			lc_flush(c, cls);
}

/*
 * A large block (own base, async protocol) is mapped by the client itself:
 * no wait for the server, which only records it (LARGE_TAG) and unmaps it
 * when it is freed.  NULL when that cannot be done here (another protocol
 * or base, no room in the free queue for the record, no mapping): the
 * caller asks the server instead.  Called inside call_enter/call_leave.
 */
static void *large_on_client(struct client *c, size_t n, size_t align)
{
	size_t len;
	void *p;

	if (cfg.base != BASE_OWN || cfg.mode != MODE_ASYNC || !c->own.async_free || c->own.shared)
		return NULL;
	if (FQ_CAP - (c->own.fq.tail - c->own.fq.head_cache) < 2) {
		c->own.fq.head_cache = atomic_load_explicit(&c->fq_head, memory_order_acquire);
		if (FQ_CAP - (c->own.fq.tail - c->own.fq.head_cache) < 2)
			return NULL;
	}
	p = ngm_large_map(n, align, &len);
	if (!p)
		return NULL;
	/* both slots, then one publication: the server never sees half */
	c->fq[c->own.fq.tail++ & (FQ_CAP - 1)] = (uintptr_t)p | LARGE_TAG;
	c->fq[c->own.fq.tail++ & (FQ_CAP - 1)] = len;
	ngm_ring_publish(&c->own.fq, &c->bell.fq_tail);
	return p;
}

/* Everything malloc's fast path does not: large, unregistered, empty. */
/* borrow: a bigger class's block will do (not when cls was chosen for an
 * alignment, which the bigger classes need not have) */
static void *malloc_slow_get(size_t n, unsigned cls, bool borrow)
{
	struct client *c = get_client();
	void *p;

	if (!cls) {
		if (c && (p = large_on_client(c, n, 0)))
			return p;
		return enomem((void *)ngm_call(OP_MALLOC, n, 0));
	}
	if (!c)
		return enomem((void *)other_call(OP_MALLOC, n, 0));
	client_mode(c);
	if (c->own.lc[cls].n) {
		STAT_ADD(c->own.local_hits, 1);
		return handed_out(*lc_slot(c, cls, --c->own.lc[cls].n));
	}
	if (c->own.use_stock) {
		unsigned k;

		p = stock_take(c, cls);
		if (p)
			return p;
		/*
		 * Empty: rather than wait for the server (which may be off its
		 * CPU), ask for a refill and take a block of one of the next
		 * classes (at most about twice the size), from the local stack
		 * or the stock; its class stays what its address says.
		 */
		if (!c->own.asked[cls] && fq_try(c, REFILL_TAG(cls))) {
			c->own.asked[cls] = 1;
			ngm_ring_publish(&c->own.fq, &c->bell.fq_tail);
			server_kick(c);
		}
		for (k = cls + 1; borrow && k <= NGM_NCLASSES && k <= cls + 4; k++) {
			if (c->own.lc[k].n) {
				STAT_ADD(c->own.local_hits, 1);
				STAT_ADD(c->own.borrows, 1);
				return handed_out(*lc_slot(c, k, --c->own.lc[k].n));
			}
			if ((p = stock_take(c, k))) {
				STAT_ADD(c->own.borrows, 1);
				return p;
			}
		}
		c->own.asked[cls] = 0;
		return enomem((void *)client_call(c, OP_REFILL, cls, 0));
	}
	return enomem((void *)client_call(c, OP_MALLOC, n, 0));
}

static __attribute__((noinline, cold)) void *malloc_slow(size_t n, unsigned cls, bool borrow)
{
	return handed_out_any(malloc_slow_get(n, cls, borrow));
}

/* Is p a block the server maps for itself (large), to be unmapped soon? */
static bool is_large(void *p)
{
	if (cfg.base == BASE_OWN)
		return !(ngm_region_base && ngm_in_region(p));
	/* glibc's chunk header: IS_MMAPPED */
	return !(ngm_region_base && ngm_in_region(p)) && (((size_t *)p)[-1] & 2);
}

static __attribute__((noinline, cold)) void free_slow(void *p)
{
	struct client *c;

	if (!p)
		return;
	if (ngm_region_base && ngm_in_region(p)) {
		_Atomic uint8_t *freed = ngm_freed_byte(p);

		if (atomic_load_explicit(freed, memory_order_relaxed))
			die_double_free(p, "(freed before and not allocated since)");
		atomic_store_explicit(freed, 1, memory_order_relaxed);
	}
	c = get_client();
	if (!c) {
		other_call(OP_FREE, (uintptr_t)p, 0);
		return;
	}
	if (!c->own.async_free) {
		client_call(c, OP_FREE, (uintptr_t)p, 0);
		return;
	}
	client_mode(c);
	if (ngm_region_base && ngm_in_region(p)) {
		unsigned cls = ngm_class_of_ptr(p);
		uint32_t n;

		if (cls && c->own.lc[cls].max) {
			if (c->own.lc[cls].n >= c->own.lc[cls].max)
				lc_flush(c, cls);
			n = c->own.lc[cls].n;
			*lc_slot(c, cls, n) = p;
			c->own.lc[cls].n = n + 1;
			return;
		}
		fq_push(c, (uintptr_t)p);
		return;
	}
	fq_push(c, (uintptr_t)p);
	/* a large block is memory given back: publish it now, not with the
	 * next seven frees, which an idle thread may never make */
	if (is_large(p)) {
		ngm_ring_publish(&c->own.fq, &c->bell.fq_tail);
		server_nudge(c);
	}
}

/* ---- the API ---- */

/*
 * The fast paths: no lock, no read-modify-write; the local stack first
 * (blocks this thread freed), then the stock the server fills.  Bracketed
 * by call_enter/call_leave: two plain stores to the thread's own TLS line.
 */
#define ALWAYS_INLINE inline __attribute__((always_inline))

static ALWAYS_INLINE void *malloc_body(size_t n)
{
	struct client *c = atomic_load_explicit(&t_client, memory_order_relaxed);

	/* sizes up to 1 KiB by table, the bigger classes by computation:
	 * both on the fast path (a few per cent of xalanc's mallocs are
	 * 1-256 KiB) */
	if (likely(c != NULL) && likely(n <= NGM_SMALL_MAX)) {
		unsigned cls = likely(n <= 1024) ? ngm_class_small[(n + 15) >> 4] : ngm_size_class(n);
		uint32_t k = c->own.lc[cls].n;

		if (likely(k != 0)) {
			c->own.lc[cls].n = k - 1;
			STAT_ADD(c->own.local_hits, 1);
			return handed_out(*lc_slot(c, cls, k - 1));
		}
		if (likely(c->own.use_stock)) {
			uint32_t h = atomic_load_explicit(&c->stock_head[cls],
							  memory_order_relaxed);
			uint32_t t = c->own.sc[cls].tail;

			if (likely(h != t)) {
				void *p = handed_out_any(c->stock[cls][h & (STOCK_CAP - 1)]);

				__builtin_prefetch(&c->stock[cls][(h + 8) & (STOCK_CAP - 1)]);
				atomic_store_explicit(&c->stock_head[cls], h + 1,
						      memory_order_release);
				if (unlikely(t - (h + 1) == c->own.sc[cls].low))
					return stock_low(c, cls, h + 1, p);
				return p;
			}
		}
		return malloc_slow(n, cls, true);
	}
	return malloc_slow(n, ngm_size_class(n), true);
}

API void *malloc(size_t n)
{
	void *p;

	call_enter();
	p = malloc_body(n);
	call_leave();
	return p;
}

static ALWAYS_INLINE void free_body(void *p)
{
	struct client *c = atomic_load_explicit(&t_client, memory_order_relaxed);
	uintptr_t off = (uintptr_t)p - (uintptr_t)ngm_region_base;

	if (likely(c != NULL) && likely(off < ngm_region_size)) {
		unsigned cls = ngm_class_of_ptr(p);
		uint32_t n = c->own.lc[cls].n;
		_Atomic uint8_t *freed = ngm_freed_byte(p);

		/* a block freed already is a double free (slow path) */
		if (likely(n < c->own.lc[cls].max) &&
		    likely(!atomic_load_explicit(freed, memory_order_relaxed))) {
			*lc_slot(c, cls, n) = p;
			c->own.lc[cls].n = n + 1;
			atomic_store_explicit(freed, 1, memory_order_relaxed);
			return;
		}
	}
	free_slow(p);
}

API void free(void *p)
{
	call_enter();
	free_body(p);
	call_leave();
}

static ALWAYS_INLINE void *alloc_class_body(unsigned cls)
{
	struct client *c = atomic_load_explicit(&t_client, memory_order_relaxed);
	void *p;

	if (likely(c != NULL) && c->own.lc[cls].n) {
		STAT_ADD(c->own.local_hits, 1);
		return handed_out(*lc_slot(c, cls, --c->own.lc[cls].n));
	}
	if (likely(c != NULL) && likely(c->own.use_stock)) {
		p = stock_take(c, cls);
		if (likely(p != NULL))
			return p;
	}
	return malloc_slow(ngm_classes[cls].size, cls, false);
}

static void *alloc_class(unsigned cls)
{
	void *p;

	call_enter();
	p = alloc_class_body(cls);
	call_leave();
	return p;
}

static size_t usable(void *p)
{
	cfg_ready();
	if (ngm_region_base && ngm_in_region(p)) {
		unsigned cls = ngm_class_of_ptr(p);

		return cls ? ngm_classes[cls].size : 0;
	}
	if (cfg.base == BASE_GLIBC)
		return glibc_usable(p);
	return ngm_call(OP_USABLE, (uintptr_t)p, 0);
}

API size_t malloc_usable_size(void *p)
{
	return p ? usable(p) : 0;
}

API void *calloc(size_t m, size_t n)
{
	size_t total;
	void *p;

	if (posix_alloc_mul(m, n, &total))
		return NULL;
	p = malloc(total);
	/* own large blocks are fresh mappings, zero already */
	if (p && !(cfg.base == BASE_OWN && total > NGM_SMALL_MAX && !ngm_in_region(p)))
		memset(p, 0, total);
	return p;
}

API void *realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (!p)
		return malloc(n);
	if (!n) {
		free(p);
		return NULL;
	}
	old = usable(p);
	if (!old)
		return enomem(NULL);	/* not a block of ours */
	/* keep the block while it is big enough and not more than twice n */
	if (n <= old && n >= old / 2)
		return p;
	if (n > NGM_SMALL_MAX && old > NGM_SMALL_MAX &&
	    !(ngm_region_base && ngm_in_region(p)))
		return enomem((void *)ngm_call(OP_REALLOC, (uintptr_t)p, n));
	q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	free(p);
	return q;
}

API void *reallocarray(void *p, size_t m, size_t n)
{
	size_t total;

	if (posix_alloc_mul(m, n, &total))
		return NULL;
	return realloc(p, total);
}

/* align: a power of two (callers check). */
static void *aligned(size_t align, size_t n)
{
	unsigned cls;

	if (align <= 16)
		return malloc(n);
	/* memalign may be the process's first call: cfg.base is read below */
	cfg_ready();
	if (cfg.base == BASE_OWN && (cls = ngm_aligned_class(align, n)))
		return enomem(alloc_class(cls));
	if (cfg.base == BASE_OWN) {
		struct client *c;
		void *p = NULL;

		call_enter();
		c = get_client();
		if (c)
			p = large_on_client(c, n, align);
		call_leave();
		if (p)
			return p;
	}
	return enomem(handed_out_any((void *)ngm_call(OP_MEMALIGN, align, n)));
}

API void *memalign(size_t align, size_t n)
{
	/* as glibc: a non-power of two is rounded up to one */
	align = posix_alloc_memalign_align(align);
	return align ? aligned(align, n) : NULL;
}

API int posix_memalign(void **out, size_t align, size_t n)
{
	int saved = errno;
	void *p;

	if (!posix_alloc_align_ok(align))
		return EINVAL;
	p = aligned(align, n);
	if (!p) {
		errno = saved;
		return ENOMEM;
	}
	*out = p;
	return 0;
}

API void *aligned_alloc(size_t align, size_t n)
{
	/* C17 7.22.3.1: an unsupported alignment gives NULL; here, anything
	 * but a power of two */
	if (!posix_alloc_is_pow2(align)) {
		errno = EINVAL;
		return NULL;
	}
	return aligned(align, n);
}

API void *valloc(size_t n)
{
	return aligned((size_t)sysconf(_SC_PAGESIZE), n);
}

API void *pvalloc(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	n = posix_alloc_pvalloc_size(n, page);
	return n ? aligned(page, n) : NULL;
}

/* ---- glibc's introspection, in the heap's own terms ----
 *
 * Without these, glibc's own mallinfo2, malloc_trim, malloc_stats and
 * mallopt ran and spoke of glibc's arena, which the own heap never uses.
 * With the glibc base they are glibc's: its malloc serves the server.
 */

/* The heap held: both mutexes, and a running server parked at a safe
 * point of its loop (as fork and the statistics do). */
static bool heap_hold(void)
{
	bool parked;

	cfg_ready();
	pthread_mutex_lock(&g_shared_mtx);
	pthread_mutex_lock(&g_heap_mtx);
	parked = atomic_load(&g_state) == ST_RUNNING && !(t_flags & F_SERVER);
	if (parked)
		server_park_locked();
	return parked;
}

static void heap_release(bool parked)
{
	if (parked)
		server_unpark_locked();
	pthread_mutex_unlock(&g_heap_mtx);
	pthread_mutex_unlock(&g_shared_mtx);
}

static void heap_info(struct ngm_heap_info *in)
{
	bool parked = heap_hold();

	ngm_heap_info(in);
	heap_release(parked);
}

/*
 * arena: the classes' spans and the free runs still resident; uordblks:
 * the blocks the heap handed out, which includes those waiting in the
 * threads' stocks and local stacks (the heap cannot tell them apart);
 * fordblks the rest; ordblks: free runs; hblks and hblkhd: the large
 * blocks, each a mapping; keepcost: what malloc_trim would give back.
 */
API struct mallinfo2 mallinfo2(void)
{
	struct mallinfo2 mi;
	struct ngm_heap_info in;

	cfg_ready();
	memset(&mi, 0, sizeof(mi));
	if (cfg.base == BASE_GLIBC)
		return real_mallinfo2 ? real_mallinfo2() : mi;
	heap_info(&in);
	mi.arena = in.span_bytes + in.dirty_bytes;
	mi.ordblks = in.free_runs;
	mi.hblks = in.large_count;
	mi.hblkhd = in.large_bytes;
	mi.uordblks = in.used_bytes;
	mi.fordblks = mi.arena - in.used_bytes;
	mi.keepcost = in.dirty_bytes;
	return mi;
}

/* The same numbers, each at most INT_MAX (glibc wraps them instead). */
API struct mallinfo mallinfo(void)
{
	return posix_alloc_mallinfo(mallinfo2());
}

/* The pages of every free run go back now, whatever their age; 1 when
 * some did. */
API int malloc_trim(size_t pad)
{
	size_t done;
	bool parked;

	cfg_ready();
	if (cfg.base == BASE_GLIBC)
		return real_malloc_trim ? real_malloc_trim(pad) : 0;
	parked = heap_hold();
	done = ngm_heap_purge(0);
	heap_release(parked);
	return done > 0;
}

/* glibc's layout, on standard error, written without allocating. */
API void malloc_stats(void)
{
	struct ngm_heap_info in;
	char buf[512];
	int n;

	cfg_ready();
	if (cfg.base == BASE_GLIBC) {
		if (real_malloc_stats)
			real_malloc_stats();
		return;
	}
	heap_info(&in);
	n = snprintf(buf, sizeof(buf),
		     "Arena 0 (nextgen's heap):\n"
		     "system bytes     = %10zu\n"
		     "in use bytes     = %10zu\n"
		     "Total (incl. mmap):\n"
		     "system bytes     = %10zu\n"
		     "in use bytes     = %10zu\n"
		     "mmap regions     = %10zu\n"
		     "mmap bytes       = %10zu\n",
		     in.span_bytes + in.dirty_bytes, in.used_bytes,
		     in.span_bytes + in.dirty_bytes + in.large_bytes, in.used_bytes + in.large_bytes,
		     in.large_count, in.large_bytes);
	if (n > 0)
		(void)!write(2, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* The own heap has none of glibc's knobs: 0, "not done" (its knobs are
 * the NGMALLOC_ variables). */
API int mallopt(int param, int value)
{
	cfg_ready();
	if (cfg.base == BASE_GLIBC)
		return real_mallopt ? real_mallopt(param, value) : 0;
	return 0;
}

/* ---- calls that need a process of one thread ----
 *
 * unshare with CLONE_NEWUSER (or CLONE_THREAD, CLONE_SIGHAND, CLONE_VM)
 * and setns into a user or mount namespace fail with EINVAL in a process
 * of more than one thread, and the server is one more.  Programs that
 * sandbox themselves (unshare -U, bubblewrap, browsers) failed under
 * nextgen where they run under glibc.  These calls now end the server
 * first, when the calling thread is the process's only client; the next
 * slow path starts a new one, as in a fork child.
 */
static bool server_stop(void)
{
	bool alone = true, stopped = false;
	struct client *c;

	if (t_flags & F_SERVER)
		return false;
	/* a server just created may not have run yet: it takes the heap's
	 * mutex to start, so wait for it outside */
	for (int i = 0; i < 40000 && atomic_load(&g_state) == ST_STARTING; i++) {
		struct timespec ts = { 0, 50000 };

		nanosleep(&ts, NULL);
	}
	if (atomic_load(&g_state) != ST_RUNNING)
		return false;
	pthread_mutex_lock(&g_shared_mtx);
	pthread_mutex_lock(&g_heap_mtx);
	if (atomic_load(&g_state) == ST_RUNNING && g_server_started) {
		server_park_locked();
		for (c = s_list; c && alone; c = c->srv.next)
			if (c != t_self && c != g_shared && !atomic_load(&c->bell.dead))
				alone = false;
		if (atomic_load(&g_incoming))
			alone = false;
		if (alone) {
			atomic_store(&g_stop_req, 1);
			atomic_store(&g_state, ST_HEAP);
		}
		server_unpark_locked();
		if (alone) {
			pthread_join(g_server_thread, NULL);
			g_server_started = false;
			atomic_store(&g_stop_req, 0);
			S.server_stops++;
			stopped = true;
		}
	}
	pthread_mutex_unlock(&g_heap_mtx);
	pthread_mutex_unlock(&g_shared_mtx);
	return stopped;
}

static int one_thread_call(long nr, long a, long b)
{
	bool stopped = server_stop();
	long r;

	for (int tries = 0;; tries++) {
		struct timespec ts = { 0, 50000 };

		r = syscall(nr, a, b);
		/* a joined thread may leave the thread group a moment later */
		if (r == 0 || errno != EINVAL || !stopped || tries >= 200)
			return (int)r;
		nanosleep(&ts, NULL);
	}
}

API int unshare(int flags)
{
	if (flags & (CLONE_NEWUSER | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM))
		return one_thread_call(SYS_unshare, flags, 0);
	return (int)syscall(SYS_unshare, flags);
}

API int setns(int fd, int nstype)
{
	/* 0: any type, known only from the descriptor */
	if (nstype == 0 || (nstype & (CLONE_NEWUSER | CLONE_NEWNS)))
		return one_thread_call(SYS_setns, fd, nstype);
	return (int)syscall(SYS_setns, fd, nstype);
}

/* ---- fork ---- */

static bool g_fork_parked;

static void fork_prepare(void)
{
	pthread_mutex_lock(&g_shared_mtx);
	pthread_mutex_lock(&g_heap_mtx);
	g_fork_parked = atomic_load(&g_state) == ST_RUNNING && !(t_flags & F_SERVER);
	if (g_fork_parked)
		server_park_locked();
}

static void fork_parent(void)
{
	if (g_fork_parked)
		server_unpark_locked();
	pthread_mutex_unlock(&g_heap_mtx);
	pthread_mutex_unlock(&g_shared_mtx);
}

/*
 * The child has the heap as the parked server left it, and none of the
 * parent's other threads: their clients are marked dead so that the child's
 * own server (started at the next slow path) takes their memory back.
 */
static void fork_child(void)
{
	struct client *c;
	int st = atomic_load(&g_state);

	pthread_mutex_init(&g_heap_mtx, NULL);
	pthread_mutex_init(&g_shared_mtx, NULL);
	if (st == ST_RUNNING || st == ST_STARTING)
		atomic_store(&g_state, ST_HEAP);
	atomic_store(&g_park_req, 0);
	atomic_store(&g_sleeping, 0);
	atomic_store(&g_takeover, 0);
	g_server_started = false;	/* the parent's server is not ours */
	/* a new process: registered anew while it has one thread */
	s_membarrier = membarrier_register();
	for (c = s_list; c; c = c->srv.next)
		if (c != t_self && c != g_shared)
			atomic_store(&c->bell.dead, 1);
	for (c = atomic_load(&g_incoming); c; c = c->inext)
		if (c != t_self)
			atomic_store(&c->bell.dead, 1);
	g_pid = getpid();
}

/* ---- statistics ---- */

static char *put_line(char *s, const char *key, uint64_t v)
{
	char digits[24];
	int n = 0;

	while (*key)
		*s++ = *key++;
	*s++ = '=';
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*s++ = digits[--n];
	*s++ = '\n';
	return s;
}

/* Sum of the values of the given keys in a statistics text. */
static uint64_t stats_activity(const char *text)
{
	static const char *const keys[] = { "requests_served=", "prealloc_blocks=",
					     "direct_ops=", "local_reuses=" };
	uint64_t sum = 0;
	unsigned k;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const char *p = text;
		size_t len = strlen(keys[k]);

		for (; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
			if (!strncmp(p, keys[k], len)) {
				sum += strtoull(p + len, NULL, 10);
				break;
			}
	}
	return sum;
}

/*
 * Processes of one trial (a wrapper such as timeout or sh, the program, its
 * children) all inherit NGMALLOC_STATS: the busiest process's statistics
 * (requests served, blocks pre-allocated, direct calls and local reuses)
 * are kept, so that a wrapper exiting last does not replace the program's.
 */
static void stats_store(const char *buf, size_t len)
{
	char old[4096];
	ssize_t n;
	int fd = open(cfg.stats_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return;
	if (flock(fd, LOCK_EX) == 0) {
		n = pread(fd, old, sizeof(old) - 1, 0);
		old[n > 0 ? n : 0] = 0;
		if (n <= 0 || stats_activity(old) <= stats_activity(buf)) {
			if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, len, 0) < 0) {
				/* nothing to do: the library never prints */
			}
		}
	}
	close(fd);
}

static void stats_write(void)
{
	struct ngm_heap_stats hs;
	uint64_t waits, wait_ns, stalls, stall_ns, kicks, unused, local, flushes, cached, borrows;
	uint64_t overflows, waits_op[OP_COUNT], waits_long, queued = 0;
	char buf[4096], *s = buf;
	struct timespec ts;
	clockid_t cid;
	unsigned op;
	struct client *c;
	bool parked;

	if (!cfg.stats_path || getpid() != g_pid)
		return;
	pthread_mutex_lock(&g_shared_mtx);
	pthread_mutex_lock(&g_heap_mtx);
	parked = atomic_load(&g_state) == ST_RUNNING && !(t_flags & F_SERVER);
	if (parked)
		server_park_locked();
	waits = S.dead_waits;
	memcpy(waits_op, S.dead_waits_op, sizeof(waits_op));
	wait_ns = S.dead_wait_ns;
	waits_long = S.dead_waits_long;
	stalls = S.dead_stalls;
	stall_ns = S.dead_stall_ns;
	kicks = S.dead_kicks;
	unused = S.unused;
	local = S.dead_local;
	flushes = S.dead_flushes;
	borrows = S.dead_borrows;
	overflows = S.dead_overflows;
	cached = S.local_unused;
	for (c = s_list; c; c = c->srv.next) {
		unsigned cls;

		local += STAT_GET(c->own.local_hits);
		flushes += STAT_GET(c->own.flushes);
		borrows += STAT_GET(c->own.borrows);
		overflows += STAT_GET(c->own.overflows);
		for (cls = 1; cls <= NGM_NCLASSES; cls++)
			cached += STAT_GET(c->own.lc[cls].n);
		waits += STAT_GET(c->own.waits);
		for (op = 0; op < OP_COUNT; op++)
			waits_op[op] += STAT_GET(c->own.waits_op[op]);
		wait_ns += STAT_GET(c->own.wait_ns);
		waits_long += STAT_GET(c->own.waits_long);
		stalls += STAT_GET(c->own.stalls);
		stall_ns += STAT_GET(c->own.stall_ns);
		kicks += STAT_GET(c->own.kicks);
		for (cls = 1; cls <= NGM_NCLASSES; cls++)
			unused += atomic_load(&c->stock_tail[cls]) - atomic_load(&c->stock_head[cls]);
		queued += atomic_load(&c->bell.fq_tail) - c->srv.fq.head;
	}
	/* the free-ring entries no server pass has taken: published by the
	 * clients it has not adopted yet, and not yet published by this
	 * thread (the rest of a batch of FQ_BATCH) */
	for (c = atomic_load(&g_incoming); c; c = c->inext)
		queued += atomic_load(&c->bell.fq_tail) - c->srv.fq.head;
	if (t_self)
		queued += t_self->own.fq.tail - atomic_load(&t_self->bell.fq_tail);
	ngm_heap_get_stats(&hs);
	s = put_line(s, "mode_async", cfg.mode == MODE_ASYNC);
	s = put_line(s, "mode_paper", cfg.mode == MODE_PAPER);
	s = put_line(s, "base_glibc", cfg.base == BASE_GLIBC);
	s = put_line(s, "threads", S.threads);
	s = put_line(s, "requests", S.requests);
	s = put_line(s, "refill_requests", S.refills);
	s = put_line(s, "frees_served", S.frees);
	s = put_line(s, "free_ring_queued", queued);
	s = put_line(s, "requests_served", S.requests + S.refills + S.frees);
	s = put_line(s, "prealloc_blocks", S.prealloc);
	s = put_line(s, "prealloc_unused", unused);
	s = put_line(s, "local_reuses", local);
	s = put_line(s, "local_flushes", flushes);
	s = put_line(s, "borrowed_blocks", borrows);
	s = put_line(s, "local_cached", cached);
	s = put_line(s, "local_overflows", overflows);
	s = put_line(s, "client_waits", waits);
	s = put_line(s, "client_wait_ns", wait_ns);
	s = put_line(s, "client_waits_long", waits_long);
	/* what the waits were for */
	s = put_line(s, "client_waits_malloc", waits_op[OP_MALLOC]);
	s = put_line(s, "client_waits_refill", waits_op[OP_REFILL]);
	s = put_line(s, "client_waits_memalign", waits_op[OP_MEMALIGN]);
	s = put_line(s, "client_waits_realloc", waits_op[OP_REALLOC]);
	s = put_line(s, "client_waits_usable", waits_op[OP_USABLE]);
	s = put_line(s, "client_waits_free", waits_op[OP_FREE]);
	s = put_line(s, "client_waits_trim", waits_op[OP_TRIM]);
	s = put_line(s, "ring_full_stalls", stalls);
	s = put_line(s, "ring_full_stall_ns", stall_ns);
	s = put_line(s, "server_wakeups", kicks);
	s = put_line(s, "server_sleeps", S.sleeps);
	s = put_line(s, "server_naps", S.naps);
	s = put_line(s, "server_busy_ns", S.busy_ns);
	s = put_line(s, "server_pass_max_ns", S.pass_max_ns);
	s = put_line(s, "server_housekeeping_max_ns", S.house_max_ns);
	s = put_line(s, "server_idle_ns", S.idle_ns);
	/* CPU time: the server thread's, and the whole process's (absent
	 * when the clock cannot be read) */
	if (g_server_started && !pthread_getcpuclockid(g_server_thread, &cid) &&
	    !clock_gettime(cid, &ts))
		s = put_line(s, "server_cpu_ns", (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
	if (!clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts))
		s = put_line(s, "process_cpu_ns", (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
	s = put_line(s, "server_starved", S.starved);
	s = put_line(s, "server_crowded", S.crowded);
	s = put_line(s, "crowd_looks", S.crowd_looks);
	s = put_line(s, "crowd_running_max", S.crowd_max);
	s = put_line(s, "active_clients_max", S.active_max);
	s = put_line(s, "nospare_switches", S.nospare_switches);
	s = put_line(s, "nospare_ns", S.nospare_ns + ((atomic_load(&g_epoch) & 1) ?
						       now_ns() - s_nospare_enter : 0));
	if (g_server_cpu >= 0)	/* absent when the server is not pinned */
		s = put_line(s, "server_cpu", (uint64_t)g_server_cpu);
	s = put_line(s, "direct_ops", g_direct_ops);
	s = put_line(s, "idle_trims", S.trims);
	s = put_line(s, "idle_trim_asks", S.trim_asks);
	s = put_line(s, "membarrier", s_membarrier);
	s = put_line(s, "membarrier_late", S.membarrier_late);
	s = put_line(s, "server_stops", S.server_stops);
	s = put_line(s, "idle_trimmed_blocks", S.trimmed_blocks);
	s = put_line(s, "glibc_trims", S.glibc_trims);
	s = put_line(s, "spans_created", hs.spans_created);
	s = put_line(s, "spans_released", hs.spans_released);
	s = put_line(s, "large_allocs", hs.large_allocs);
	s = put_line(s, "large_client_maps", S.large_client);
	s = put_line(s, "large_unrecorded", S.large_unrecorded);
	s = put_line(s, "invalid_frees", hs.invalid_frees);
	s = put_line(s, "heap_mapped_bytes", hs.bytes_mapped);
	s = put_line(s, "heap_purged_bytes", hs.bytes_purged);
	s = put_line(s, "heap_huge_off", hs.huge_off);
	s = put_line(s, "heap_huge_on", hs.huge_on);
	if (parked)
		server_unpark_locked();
	pthread_mutex_unlock(&g_heap_mtx);
	pthread_mutex_unlock(&g_shared_mtx);
	*s = 0;
	stats_store(buf, (size_t)(s - buf));
}

__attribute__((constructor)) static void ngm_init(void)
{
	pthread_mutex_lock(&g_heap_mtx);
	heap_ready_locked();
	if (!g_shared)
		g_shared = client_new(true);
	pthread_mutex_unlock(&g_heap_mtx);
	/* these may allocate: served directly, the server is not running */
	real_usable = (size_t (*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
	*(void **)&real_mallinfo2 = dlsym(RTLD_NEXT, "mallinfo2");
	*(void **)&real_malloc_trim = dlsym(RTLD_NEXT, "malloc_trim");
	*(void **)&real_malloc_stats = dlsym(RTLD_NEXT, "malloc_stats");
	*(void **)&real_mallopt = dlsym(RTLD_NEXT, "mallopt");
	g_key_ok = g_shared && pthread_key_create(&g_key, client_exit) == 0;
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	s_membarrier = membarrier_register();
	g_pid = getpid();
	g_ctor_done = true;
}

__attribute__((destructor)) static void ngm_fini(void)
{
	stats_write();
}
