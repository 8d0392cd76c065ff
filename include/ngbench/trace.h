/*
 * ngbench/trace.h - allocation traces: the compact file format (version 1,
 * docs/trace-format.md), its writer, its checked reader, and the
 * converters into it (the recorder's raw chunks, glibc's mtrace output).
 *
 * A trace holds, per recorded thread, the allocation calls of that thread
 * in program order.  A block is named by a slot (a small integer, reused
 * after the block is freed) instead of its address.  An event that touches
 * a block last touched by another thread waits for that thread's event
 * (the happens-before of the recording, kept with as few waits as
 * possible); the waited-on events are marked so that a replay publishes
 * its progress only there.
 *
 * Library code: every function returns 0 or a negative errno and leaves a
 * message in the struct ngb_err; nothing prints, nothing exits.  Memory of
 * a decoded trace comes from mmap (ngb_trace_load), so a replay does not
 * take it from the allocator under test.
 */
#ifndef NGBENCH_TRACE_H
#define NGBENCH_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "ngbench/error.h"
#include "ngbench/ipc.h"

#define NGB_TRACE_MAGIC "NGBTRACE"
#define NGB_TRACE_VERSION 1
#define NGB_TRACE_HEADER_BYTES 64

/* The calls, as numbered in the file (never renumber: add at the end). */
#define NGB_TRACE_KINDS(X)                                                      \
	X(MALLOC, "malloc") X(CALLOC, "calloc") X(REALLOC, "realloc")                \
	X(REALLOCARRAY, "reallocarray") X(FREE, "free") X(MEMALIGN, "memalign")      \
	X(POSIX_MEMALIGN, "posix_memalign") X(ALIGNED_ALLOC, "aligned_alloc")        \
	X(VALLOC, "valloc") X(PVALLOC, "pvalloc") X(USABLE_SIZE, "malloc_usable_size") \
	X(NEW, "new") X(NEW_ARRAY, "new[]") X(NEW_NOTHROW, "new(nothrow)")            \
	X(NEW_ARRAY_NOTHROW, "new[](nothrow)") X(NEW_ALIGNED, "new(align)")          \
	X(NEW_ARRAY_ALIGNED, "new[](align)") X(NEW_ALIGNED_NOTHROW, "new(align,nothrow)") \
	X(NEW_ARRAY_ALIGNED_NOTHROW, "new[](align,nothrow)")                         \
	X(DELETE, "delete") X(DELETE_ARRAY, "delete[]") X(DELETE_SIZED, "delete(size)") \
	X(DELETE_ARRAY_SIZED, "delete[](size)") X(DELETE_NOTHROW, "delete(nothrow)")  \
	X(DELETE_ARRAY_NOTHROW, "delete[](nothrow)") X(DELETE_ALIGNED, "delete(align)") \
	X(DELETE_ARRAY_ALIGNED, "delete[](align)")                                   \
	X(DELETE_SIZED_ALIGNED, "delete(size,align)")                                \
	X(DELETE_ARRAY_SIZED_ALIGNED, "delete[](size,align)")                        \
	X(DELETE_ALIGNED_NOTHROW, "delete(align,nothrow)")                           \
	X(DELETE_ARRAY_ALIGNED_NOTHROW, "delete[](align,nothrow)")                   \
	X(SYNC, "(thread start)")

enum ngb_trace_kind {
#define NGB_TK_ENUM(e, s) NGB_TK_##e,
	NGB_TRACE_KINDS(NGB_TK_ENUM)
#undef NGB_TK_ENUM
	NGB_TK_COUNT
};

/*
 * NGB_TK_SYNC is not a call: a thread's first event when the thread began
 * after another thread's event in the recording, waiting for that event
 * (a thread cannot run before it was created).
 */
const char *ngb_trace_kind_name(unsigned kind);

/* What a call does to blocks. */
int ngb_trace_kind_allocates(unsigned kind);   /* returns a new block */
int ngb_trace_kind_frees(unsigned kind);       /* takes a block away (realloc: both) */
int ngb_trace_kind_aligned(unsigned kind);     /* takes an alignment */

/* Event flags (decoded; the file's op byte holds the first three). */
#define NGB_TF_WAIT 0x01      /* wait for (wait_thread, wait_index) first */
#define NGB_TF_NOARG 0x02     /* free(NULL), realloc(NULL, n): no block in */
#define NGB_TF_FAILED 0x04    /* the call failed: no block out */
#define NGB_TF_PUBLISH 0x08   /* another thread waits for this event */

/* One decoded event: 24 bytes. */
struct ngb_trace_event {
	uint8_t kind;
	uint8_t flags;
	uint16_t wait_thread;  /* index of the thread waited for */
	uint32_t slot;         /* the block out (allocating) or in (free, usable_size) */
	uint32_t aux;          /* realloc: the block in; calloc: nmemb; aligned: the alignment */
	uint32_t wait_index;   /* wait until that thread has done this many events */
	uint64_t size;         /* requested bytes (calloc: nmemb x size) */
};

struct ngb_trace_thread {
	uint32_t serial;               /* the recorder's thread number */
	uint64_t nevents;
	struct ngb_trace_event *ev;    /* from mmap */
	uint64_t *time_us;             /* per event, since the recording began; NULL unless asked */
};

struct ngb_trace_summary {
	uint32_t version;
	uint32_t flags;                /* NGB_TRACE_ZSTD */
	uint32_t pid;
	uint32_t nthreads;
	uint64_t nevents;
	uint64_t nslots;               /* slots a replay needs */
	uint64_t duration_us;
	uint64_t dropped_frees;        /* frees of blocks the trace never saw allocated */
	char meta[4096];               /* key=value lines: command, host, source */
};

#define NGB_TRACE_ZSTD 0x1

struct ngb_trace {
	struct ngb_trace_summary sum;
	struct ngb_trace_thread *threads;  /* sum.nthreads of them, from mmap */
};

/* Load options. */
#define NGB_TRACE_LOAD_TIMES 0x1   /* also fill time_us */

/*
 * Reads and checks a whole trace file: every block's checksum, every
 * field, every slot (no free of an empty slot, no allocation into a live
 * one) and every wait (to an earlier event of another thread that is
 * marked to publish).  A truncated or corrupt file is refused with the
 * offset of the first bad byte in the message.
 */
int ngb_trace_load(const char *path, unsigned opts, struct ngb_trace *t, struct ngb_err *e);
void ngb_trace_release(struct ngb_trace *t);

/* Reads only the header (and meta) of a trace file. */
int ngb_trace_read_summary(const char *path, struct ngb_trace_summary *s, struct ngb_err *e);

/* ---- what a trace holds (allocators/trace/stats.c) -------------------------- */

/* Histograms of powers of two: bin 0 holds 0, bin b holds [2^(b-1), 2^b). */
#define NGB_TRACE_HBINS 65
void ngb_trace_hist_bounds(unsigned bin, uint64_t *lo, uint64_t *hi);

/* The live bytes and objects over one window of calls: their most in it. */
struct ngb_trace_live {
	uint64_t call;                 /* the window's last call (from 1, all threads) */
	uint64_t us;                   /* its time since the recording began (0: no times) */
	uint64_t bytes, objects;
};

struct ngb_trace_stats {
	uint64_t calls[NGB_TK_COUNT];
	uint64_t steps;                /* calls walked (thread starts left out) */
	uint64_t allocations, bytes_requested, frees, null_frees, failed;
	uint64_t cross_frees, waits, never_freed, never_freed_bytes;
	uint64_t size_hist[NGB_TRACE_HBINS];   /* requested bytes of allocating calls */
	uint64_t life_calls[NGB_TRACE_HBINS];  /* calls from a block's allocation to its free */
	uint64_t life_us[NGB_TRACE_HBINS];     /* microseconds, the same */
	uint64_t live_bytes, live_objects;     /* at the end */
	uint64_t peak_bytes, peak_objects;
	struct ngb_trace_live *live;   /* the timeline, nlive windows; NULL unless asked */
	size_t nlive, nlive_cap;
};

/*
 * Walks the trace's events in an order that honours its waits (the ready
 * thread whose next event was recorded first: load with
 * NGB_TRACE_LOAD_TIMES for the lifetimes in time and that order) and fills
 * @s; with @points > 0 also the live timeline in about that many windows.
 * Release with ngb_trace_stats_release.
 */
int ngb_trace_stats(const struct ngb_trace *t, size_t points, struct ngb_trace_stats *s,
		    struct ngb_err *e);
void ngb_trace_stats_release(struct ngb_trace_stats *s);

/*
 * The converters.  Each writes one trace file at @out (compressed with zstd
 * when @compress and the build has it).  @meta: key=value lines to store.
 */
int ngb_trace_from_raw(const char *raw_path, const char *out, int compress, const char *meta,
		       struct ngb_trace_summary *s, struct ngb_err *e);
int ngb_trace_from_mtrace(const char *mtrace_path, const char *out, int compress,
			  const char *meta, struct ngb_trace_summary *s, struct ngb_err *e);

/* Whether this build can write and read zstd-compressed traces. */
int ngb_trace_have_zstd(void);

/* ---- the recorder's raw chunks (allocators/trace/recorder.c) -------------- */

/*
 * The recorder appends chunks to one raw file per process: a 32-byte chunk
 * header and up to NGB_RAW_CHUNK_RECORDS records of 32 bytes, each thread's
 * records in its own order.  The first chunk of a file is the process's
 * (thread 0, no records).  Only ngbench reads these files; they are not a
 * stable format.
 */
#define NGB_RAW_MAGIC 0x4352474eu       /* "NGRC" */
#define NGB_RAW_VERSION 1
#define NGB_RAW_CHUNK_RECORDS 2048
#define NGB_RAW_ENV NGB_TRACE_DIR_ENV /* ngbench/ipc.h */

struct ngb_raw_chunk {
	uint32_t magic;
	uint16_t version;
	uint16_t count;         /* records that follow */
	uint32_t thread;        /* the recorder's serial, from 1; 0: the process chunk */
	uint32_t pid;
	uint64_t ticks;         /* clock reading at the flush (time-stamp counter or ns) */
	uint64_t mono_ns;       /* CLOCK_MONOTONIC at the flush */
};

/* Raw kinds beyond the file's: the first half of a realloc. */
#define NGB_RAW_REALLOC_IN 0x40

struct ngb_raw_record {
	uint64_t kind_seq;      /* kind << 56 | global sequence number */
	uint64_t ptr;           /* the block out (allocating) or in */
	uint64_t size;          /* requested bytes (calloc: nmemb x size, saturated) */
	uint64_t ticks_aux;     /* ticks << 16 | aux (log2 alignment, 0xffff not a power of two; calloc nmemb) */
};

#endif /* NGBENCH_TRACE_H */
