/*
 * allocators/trace/trace.c - the allocation trace file (include/ngbench/
 * trace.h, docs/trace-format.md): the converters that write it (from the
 * recorder's raw chunks, from glibc's mtrace output) and the checked loader
 * that the replay workload and `ngbench trace info` read it with.
 *
 * Conversion walks the calls of all threads in the recording's global
 * order (the recorder's sequence numbers; mtrace's line order) and keeps,
 * for every live address, the slot of its block, and for every slot, the
 * thread and event that touched it last.  An event that touches a slot last
 * touched by another thread waits for that event: this is the only
 * synchronisation a replay needs, since every other pair of events either
 * runs in one thread or touches different blocks.  Freed slots go back to
 * the freeing thread's list; an allocation takes one from its own thread's
 * list first (no wait), then from another thread's (one wait), then a new
 * one, so the slot table stays near the peak of live blocks.  Waits point
 * only to events earlier in the global order, so they can never form a
 * cycle.
 *
 * The loader decodes every block (checksum first), then runs the events in
 * an order that honours every wait (round robin, each thread as far as its
 * waits allow) with a slot table, so that a trace it accepts replays
 * without a free of an empty slot, an allocation into a live one, or a
 * deadlock; otherwise it names the file offset of the block that holds the
 * bad event.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_ZSTD
#include <zstd.h>
#endif

#include "ngbench/trace.h"

#define BLOCK_MAGIC 0x4254474eu          /* "NGTB" */
#define BLOCK_HEADER_BYTES 24
#define BLOCK_PAYLOAD_MAX (256 * 1024)   /* decoded bytes a writer puts in a block */
#define BLOCK_STORED_MAX (1024 * 1024)   /* the most a reader accepts */
#define THREAD_ENTRY_BYTES 16
#define MAX_THREADS 65535
#define META_MAX 4000                    /* text a converter is given */
#define META_AREA 4096                   /* bytes a writer reserves for the text */

/* ---- kinds ----------------------------------------------------------------- */

static const char *const kind_names[] = {
#define NGB_TK_NAME(e, s) s,
	NGB_TRACE_KINDS(NGB_TK_NAME)
#undef NGB_TK_NAME
};

const char *ngb_trace_kind_name(unsigned kind)
{
	return kind < NGB_TK_COUNT ? kind_names[kind] : "?";
}

int ngb_trace_kind_allocates(unsigned k)
{
	return k == NGB_TK_MALLOC || k == NGB_TK_CALLOC || k == NGB_TK_REALLOC ||
	       k == NGB_TK_REALLOCARRAY || (k >= NGB_TK_MEMALIGN && k <= NGB_TK_PVALLOC) ||
	       (k >= NGB_TK_NEW && k <= NGB_TK_NEW_ARRAY_ALIGNED_NOTHROW);
}

int ngb_trace_kind_frees(unsigned k)
{
	return k == NGB_TK_FREE || k == NGB_TK_REALLOC || k == NGB_TK_REALLOCARRAY ||
	       (k >= NGB_TK_DELETE && k <= NGB_TK_DELETE_ARRAY_ALIGNED_NOTHROW);
}

int ngb_trace_kind_aligned(unsigned k)
{
	switch (k) {
	case NGB_TK_MEMALIGN: case NGB_TK_POSIX_MEMALIGN: case NGB_TK_ALIGNED_ALLOC:
	case NGB_TK_NEW_ALIGNED: case NGB_TK_NEW_ARRAY_ALIGNED:
	case NGB_TK_NEW_ALIGNED_NOTHROW: case NGB_TK_NEW_ARRAY_ALIGNED_NOTHROW:
	case NGB_TK_DELETE_ALIGNED: case NGB_TK_DELETE_ARRAY_ALIGNED:
	case NGB_TK_DELETE_SIZED_ALIGNED: case NGB_TK_DELETE_ARRAY_SIZED_ALIGNED:
	case NGB_TK_DELETE_ALIGNED_NOTHROW: case NGB_TK_DELETE_ARRAY_ALIGNED_NOTHROW:
		return 1;
	}
	return 0;
}

static int kind_sized_delete(unsigned k)
{
	return k == NGB_TK_DELETE_SIZED || k == NGB_TK_DELETE_ARRAY_SIZED ||
	       k == NGB_TK_DELETE_SIZED_ALIGNED || k == NGB_TK_DELETE_ARRAY_SIZED_ALIGNED;
}

static int kind_realloc(unsigned k)
{
	return k == NGB_TK_REALLOC || k == NGB_TK_REALLOCARRAY;
}

int ngb_trace_have_zstd(void)
{
#ifdef HAVE_ZSTD
	return 1;
#else
	return 0;
#endif
}

/* ---- little-endian fields, varints, checksum -------------------------------- */

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* FNV-1a, 32 bits: catches a flipped or lost byte in a block. */
static uint32_t checksum(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static inline uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* ---- the writer ------------------------------------------------------------ */

struct out_thread {
	uint32_t serial;
	uint64_t nevents;
	uint64_t last_us;
	uint32_t last_slot;
	unsigned char *buf;       /* BLOCK_PAYLOAD_MAX + one event's worth */
	size_t len;
	uint32_t block_events;
	uint32_t *free_slots;     /* slots this thread freed, LIFO */
	size_t nfree, capfree;
};

struct writer {
	int fd;
	int compress;
	uint64_t offset;          /* where the next block goes */
	uint32_t nthreads;
	struct out_thread *th;
	uint64_t nevents;
	int failed;
	unsigned char *zbuf;
	size_t zcap;
};

static int write_at(int fd, const void *p, size_t n, uint64_t off)
{
	const char *s = p;

	while (n) {
		ssize_t w = pwrite(fd, s, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -(w < 0 ? errno : EIO);
		s += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int flush_block(struct writer *w, uint32_t t)
{
	struct out_thread *o = &w->th[t];
	unsigned char hdr[BLOCK_HEADER_BYTES];
	const unsigned char *payload = o->buf;
	size_t stored = o->len;
	int rc;

	if (!o->block_events)
		return 0;
#ifdef HAVE_ZSTD
	if (w->compress) {
		size_t bound = ZSTD_compressBound(o->len), z;

		if (bound > w->zcap) {
			free(w->zbuf);
			w->zbuf = malloc(bound);
			w->zcap = w->zbuf ? bound : 0;
			if (!w->zbuf)
				return -ENOMEM;
		}
		z = ZSTD_compress(w->zbuf, w->zcap, o->buf, o->len, 3);
		if (ZSTD_isError(z))
			return -EIO;
		payload = w->zbuf;
		stored = z;
	}
#endif
	put32(hdr, BLOCK_MAGIC);
	put32(hdr + 4, t);
	put32(hdr + 8, o->block_events);
	put32(hdr + 12, (uint32_t)stored);
	put32(hdr + 16, (uint32_t)o->len);
	put32(hdr + 20, checksum(payload, stored));
	if ((rc = write_at(w->fd, hdr, sizeof(hdr), w->offset)) < 0 ||
	    (rc = write_at(w->fd, payload, stored, w->offset + sizeof(hdr))) < 0)
		return rc;
	w->offset += sizeof(hdr) + stored;
	o->len = 0;
	o->block_events = 0;
	return 0;
}

static void emit_varint(struct out_thread *o, uint64_t v)
{
	while (v >= 0x80) {
		o->buf[o->len++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	o->buf[o->len++] = (unsigned char)v;
}

static void emit_slot(struct out_thread *o, uint32_t slot)
{
	emit_varint(o, zigzag((int64_t)slot - (int64_t)o->last_slot));
	o->last_slot = slot;
}

/* One event into thread t's block (ev->slot/aux as in struct ngb_trace_event). */
static int emit_event(struct writer *w, uint32_t t, const struct ngb_trace_event *ev,
		      uint64_t time_us)
{
	struct out_thread *o = &w->th[t];
	unsigned k = ev->kind;
	uint8_t op = (uint8_t)(k | (ev->flags & NGB_TF_WAIT ? 0x20 : 0) |
			       (ev->flags & NGB_TF_NOARG ? 0x40 : 0) |
			       (ev->flags & NGB_TF_FAILED ? 0x80 : 0));
	int rc;

	o->buf[o->len++] = op;
	if (ev->flags & NGB_TF_WAIT) {
		emit_varint(o, ev->wait_thread);
		emit_varint(o, ev->wait_index);
	}
	emit_varint(o, time_us > o->last_us ? time_us - o->last_us : 0);
	if (time_us > o->last_us)
		o->last_us = time_us;
	if (k == NGB_TK_SYNC) {
		/* nothing but the wait */
	} else if (kind_realloc(k)) {
		if (!(ev->flags & NGB_TF_NOARG))
			emit_slot(o, ev->aux);
		emit_varint(o, ev->size);
		if (!(ev->flags & NGB_TF_FAILED))
			emit_slot(o, ev->slot);
	} else if (ngb_trace_kind_allocates(k)) {
		if (k == NGB_TK_CALLOC || ngb_trace_kind_aligned(k))
			emit_varint(o, ev->aux);
		emit_varint(o, ev->size);
		if (!(ev->flags & NGB_TF_FAILED))
			emit_slot(o, ev->slot);
	} else {
		/* free, delete, malloc_usable_size */
		if (!(ev->flags & NGB_TF_NOARG))
			emit_slot(o, ev->slot);
		if (kind_sized_delete(k))
			emit_varint(o, ev->size);
		if (ngb_trace_kind_aligned(k))
			emit_varint(o, ev->aux);
	}
	o->nevents++;
	o->block_events++;
	w->nevents++;
	if (o->len >= BLOCK_PAYLOAD_MAX && (rc = flush_block(w, t)) < 0)
		return rc;
	return 0;
}

static int writer_open(struct writer *w, const char *path, int compress, uint32_t nthreads,
		       const uint32_t *serials, struct ngb_err *e)
{
	memset(w, 0, sizeof(*w));
#ifndef HAVE_ZSTD
	if (compress)
		return ngb_err_set(e, -ENOTSUP, "this ngbench was built without zstd: cannot compress '%s'",
			   path);
#endif
	w->compress = compress;
	w->nthreads = nthreads;
	w->th = calloc(nthreads ? nthreads : 1, sizeof(*w->th));
	if (!w->th)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	for (uint32_t i = 0; i < nthreads; i++) {
		w->th[i].serial = serials ? serials[i] : i + 1;
		w->th[i].buf = malloc(BLOCK_PAYLOAD_MAX + 128);
		if (!w->th[i].buf)
			return ngb_err_set(e, -ENOMEM, "out of memory");
	}
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0)
		return ngb_err_set(e, -errno, "cannot create '%s': %s", path, strerror(errno));
	/* the header, the metadata's area and the thread table are written at the end */
	w->offset = NGB_TRACE_HEADER_BYTES + META_AREA + (uint64_t)nthreads * THREAD_ENTRY_BYTES;
	return 0;
}

static void writer_free(struct writer *w)
{
	for (uint32_t i = 0; w->th && i < w->nthreads; i++) {
		free(w->th[i].buf);
		free(w->th[i].free_slots);
	}
	free(w->th);
	free(w->zbuf);
	if (w->fd > 0)
		close(w->fd);
	w->th = NULL;
	w->fd = -1;
}

/* The last blocks, the thread table and the header. */
static int writer_finish(struct writer *w, const char *path, struct ngb_trace_summary *s,
			 const char *meta, struct ngb_err *e)
{
	unsigned char hdr[NGB_TRACE_HEADER_BYTES];
	char area[META_AREA];
	size_t meta_len = meta ? strlen(meta) : 0;
	int rc;

	if (meta_len > META_AREA - 1)
		meta_len = META_AREA - 1;
	memset(area, 0, sizeof(area));
	memcpy(area, meta ? meta : "", meta_len);
	if ((rc = write_at(w->fd, area, sizeof(area), NGB_TRACE_HEADER_BYTES)) < 0)
		return ngb_err_set(e, rc, "cannot write '%s': %s", path, strerror(-rc));
	for (uint32_t t = 0; t < w->nthreads; t++)
		if ((rc = flush_block(w, t)) < 0)
			return ngb_err_set(e, rc, "cannot write '%s': %s", path, strerror(-rc));
	for (uint32_t t = 0; t < w->nthreads; t++) {
		unsigned char ent[THREAD_ENTRY_BYTES];

		put32(ent, w->th[t].serial);
		put32(ent + 4, 0);
		put64(ent + 8, w->th[t].nevents);
		if ((rc = write_at(w->fd, ent, sizeof(ent), NGB_TRACE_HEADER_BYTES + META_AREA +
							 (uint64_t)t * THREAD_ENTRY_BYTES)) < 0)
			return ngb_err_set(e, rc, "cannot write '%s': %s", path, strerror(-rc));
	}
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, NGB_TRACE_MAGIC, 8);
	put32(hdr + 8, NGB_TRACE_VERSION);
	put32(hdr + 12, NGB_TRACE_HEADER_BYTES);
	put32(hdr + 16, w->compress ? NGB_TRACE_ZSTD : 0);
	put32(hdr + 20, w->nthreads);
	put64(hdr + 24, w->nevents);
	put64(hdr + 32, s->nslots);
	put64(hdr + 40, s->duration_us);
	put32(hdr + 48, s->pid);
	put32(hdr + 52, META_AREA);
	put64(hdr + 56, s->dropped_frees);
	if ((rc = write_at(w->fd, hdr, sizeof(hdr), 0)) < 0)
		return ngb_err_set(e, rc, "cannot write '%s': %s", path, strerror(-rc));
	if (fsync(w->fd) < 0 && errno != EINVAL)
		return ngb_err_set(e, -errno, "cannot write '%s': %s", path, strerror(errno));
	s->version = NGB_TRACE_VERSION;
	s->flags = w->compress ? NGB_TRACE_ZSTD : 0;
	s->nthreads = w->nthreads;
	s->nevents = w->nevents;
	snprintf(s->meta, sizeof(s->meta), "%.*s", (int)meta_len, meta ? meta : "");
	return 0;
}

/* ---- the converter core ------------------------------------------------------ */

/* An open-addressing map from live addresses to slots. */
struct addr_map {
	uint64_t *key;       /* 0: empty, 1: deleted */
	uint32_t *val;
	size_t cap, used, live;
};

static size_t map_slot(uint64_t a, size_t cap)
{
	return (size_t)((a >> 4) * UINT64_C(0x9e3779b97f4a7c15) >> 17) & (cap - 1);
}

static int map_grow(struct addr_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 4096;
	uint64_t *key = calloc(cap, sizeof(*key));
	uint32_t *val = malloc(cap * sizeof(*val));

	if (!key || !val) {
		free(key);
		free(val);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->key[i] > 1) {
			size_t j = map_slot(m->key[i], cap);

			while (key[j])
				j = (j + 1) & (cap - 1);
			key[j] = m->key[i];
			val[j] = m->val[i];
		}
	free(m->key);
	free(m->val);
	m->key = key;
	m->val = val;
	m->cap = cap;
	m->used = m->live;
	return 0;
}

/* Where a is, or -1. */
static ptrdiff_t map_find(const struct addr_map *m, uint64_t a)
{
	if (!m->cap)
		return -1;
	for (size_t i = map_slot(a, m->cap); m->key[i]; i = (i + 1) & (m->cap - 1))
		if (m->key[i] == a)
			return (ptrdiff_t)i;
	return -1;
}

/* Maps a to v; returns the slot it replaced (a live address allocated again), or -1. */
static int64_t map_put(struct addr_map *m, uint64_t a, uint32_t v, int *rc)
{
	ptrdiff_t f = map_find(m, a);
	size_t i;

	*rc = 0;
	if (f >= 0) {
		int64_t old = m->val[f];

		m->val[f] = v;
		return old;
	}
	if ((m->used + 1) * 2 > m->cap && (*rc = map_grow(m)) < 0)
		return -1;
	for (i = map_slot(a, m->cap); m->key[i] > 1; i = (i + 1) & (m->cap - 1))
		;
	m->used += m->key[i] == 0;
	m->key[i] = a;
	m->val[i] = v;
	m->live++;
	return -1;
}

static void map_del(struct addr_map *m, ptrdiff_t i)
{
	m->key[i] = 1;
	m->live--;
}

struct slot_state {
	uint32_t last_thread;     /* UINT32_MAX: never touched */
	uint32_t last_index;      /* events of last_thread done after the touch */
};

struct conv {
	struct writer w;
	struct addr_map map;
	struct slot_state *slots;
	size_t nslots, capslots;
	uint32_t *seen;           /* nthreads x nthreads: waits already done (or NULL) */
	uint32_t steal_from;      /* round robin over other threads' free lists */
	uint64_t dropped, reused_live, live, peak_live;
	int have_last;            /* the last event emitted, of any thread */
	uint32_t last_thread, last_index;
	/* a realloc between its two raw records, per thread */
	struct pending {
		int active;
		int have_slot;
		uint32_t slot;
		uint64_t ptr;
	} *pend;
};

static int conv_init(struct conv *c, uint32_t nthreads)
{
	memset(c, 0, sizeof(*c));
	c->pend = calloc(nthreads ? nthreads : 1, sizeof(*c->pend));
	if (!c->pend)
		return -ENOMEM;
	if (nthreads <= 1024) {
		c->seen = calloc((size_t)nthreads * nthreads + 1, sizeof(*c->seen));
		if (!c->seen)
			return -ENOMEM;
	}
	return 0;
}

static void conv_free(struct conv *c)
{
	free(c->map.key);
	free(c->map.val);
	free(c->slots);
	free(c->seen);
	free(c->pend);
	writer_free(&c->w);
}

/*
 * Emits ev as thread t's next event.  A thread's first event is preceded
 * by a SYNC event that waits for the event emitted just before it (of
 * another thread): the thread did not exist earlier.
 */
static int conv_emit(struct conv *c, uint32_t t, const struct ngb_trace_event *ev, uint64_t us)
{
	int rc;

	if (c->w.th[t].nevents == 0 && c->have_last && c->last_thread != t) {
		struct ngb_trace_event sy;

		memset(&sy, 0, sizeof(sy));
		sy.kind = NGB_TK_SYNC;
		sy.flags = NGB_TF_WAIT;
		sy.wait_thread = (uint16_t)c->last_thread;
		sy.wait_index = c->last_index;
		if (c->seen)
			c->seen[(size_t)t * c->w.nthreads + c->last_thread] = c->last_index;
		if ((rc = emit_event(&c->w, t, &sy, us)) < 0)
			return rc;
	}
	if ((rc = emit_event(&c->w, t, ev, us)) < 0)
		return rc;
	c->have_last = 1;
	c->last_thread = t;
	c->last_index = (uint32_t)c->w.th[t].nevents;
	return 0;
}

/* Makes ev wait for the last touch of slot s if another thread made it. */
static void touch(struct conv *c, uint32_t t, uint32_t s, struct ngb_trace_event *ev)
{
	struct slot_state *st = &c->slots[s];
	uint32_t u = st->last_thread;

	if (u != UINT32_MAX && u != t) {
		uint32_t *seen = c->seen ? &c->seen[(size_t)t * c->w.nthreads + u] : NULL;

		if (!seen || *seen < st->last_index) {
			ev->flags |= NGB_TF_WAIT;
			ev->wait_thread = (uint16_t)u;
			ev->wait_index = st->last_index;
			if (seen)
				*seen = st->last_index;
		}
	}
}

/* After ev (thread t's next event) is emitted: it is the slot's last touch. */
static void touched(struct conv *c, uint32_t t, uint32_t s)
{
	c->slots[s].last_thread = t;
	c->slots[s].last_index = (uint32_t)c->w.th[t].nevents;
}

static int new_slot(struct conv *c, uint32_t t, int may_steal, uint32_t *out)
{
	struct out_thread *o = &c->w.th[t];

	if (o->nfree) {
		*out = o->free_slots[--o->nfree];
		return 0;
	}
	if (may_steal) {
		for (uint32_t i = 0; i < c->w.nthreads; i++) {
			uint32_t u = (c->steal_from + i) % c->w.nthreads;
			struct out_thread *v = &c->w.th[u];

			if (u != t && v->nfree) {
				*out = v->free_slots[--v->nfree];
				c->steal_from = u;
				return 0;
			}
		}
	}
	if (c->nslots == UINT32_MAX - 1)
		return -E2BIG;
	if (c->nslots == c->capslots) {
		size_t cap = c->capslots ? c->capslots * 2 : 4096;
		struct slot_state *n = realloc(c->slots, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		c->slots = n;
		c->capslots = cap;
	}
	c->slots[c->nslots].last_thread = UINT32_MAX;
	c->slots[c->nslots].last_index = 0;
	*out = (uint32_t)c->nslots++;
	return 0;
}

static int release_slot(struct conv *c, uint32_t t, uint32_t s)
{
	struct out_thread *o = &c->w.th[t];

	if (o->nfree == o->capfree) {
		size_t cap = o->capfree ? o->capfree * 2 : 256;
		uint32_t *n = realloc(o->free_slots, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		o->free_slots = n;
		o->capfree = cap;
	}
	o->free_slots[o->nfree++] = s;
	c->live--;
	return 0;
}

/* The live slot of address a (taken out of the map when @take), or -1. */
static int64_t lookup(struct conv *c, uint64_t a, int take)
{
	ptrdiff_t i = map_find(&c->map, a);
	int64_t s;

	if (i < 0)
		return -1;
	s = c->map.val[i];
	if (take)
		map_del(&c->map, i);
	return s;
}

/* A block comes out at address a into slot s. */
static int bind(struct conv *c, uint64_t a, uint32_t s)
{
	int rc;
	int64_t old = map_put(&c->map, a, s, &rc);

	if (rc < 0)
		return rc;
	if (old >= 0) {
		/* its free was never seen (a call around the recorder): the old block stays */
		c->reused_live++;
	}
	c->live++;
	if (c->live > c->peak_live)
		c->peak_live = c->live;
	return 0;
}

/*
 * One raw record of thread t, in the global order.  time_us: since the
 * recording began.
 */
static int conv_record(struct conv *c, uint32_t t, const struct ngb_raw_record *r,
		       uint64_t time_us)
{
	unsigned kind = (unsigned)(r->kind_seq >> 56);
	unsigned aux = (unsigned)(r->ticks_aux & 0xffff);
	struct ngb_trace_event ev;
	struct pending *pd = &c->pend[t];
	int64_t s;
	uint32_t slot;
	int rc;

	memset(&ev, 0, sizeof(ev));
	if (kind == NGB_RAW_REALLOC_IN) {
		/* the block leaves the address map now: its address may be reused at once */
		pd->active = 1;
		pd->have_slot = 0;
		pd->ptr = r->ptr;
		if (r->ptr) {
			s = lookup(c, r->ptr, 1);
			if (s >= 0) {
				pd->have_slot = 1;
				pd->slot = (uint32_t)s;
			} else {
				c->dropped++;
			}
		}
		return 0;
	}
	if (kind >= NGB_TK_COUNT)
		return -EINVAL;
	ev.kind = (uint8_t)kind;
	ev.size = r->size;
	if (kind_realloc(kind)) {
		int have_in = pd->active && pd->have_slot;

		pd->active = 0;
		if (!have_in) {
			ev.flags |= NGB_TF_NOARG;
		} else {
			ev.aux = pd->slot;
			touch(c, t, pd->slot, &ev);
		}
		if (r->ptr) {
			/* the new block takes the old one's slot, or one of this thread's */
			if (have_in)
				slot = pd->slot;
			else if ((rc = new_slot(c, t, 0, &slot)) < 0)
				return rc;
			ev.slot = slot;
		} else {
			ev.flags |= NGB_TF_FAILED;
		}
		if ((rc = conv_emit(c, t, &ev, time_us)) < 0)
			return rc;
		if (have_in)
			touched(c, t, pd->slot);
		if (r->ptr) {
			touched(c, t, slot);
			if (have_in)
				c->live--;           /* bind counts it in again */
			return bind(c, r->ptr, slot);
		}
		if (have_in && r->size != 0) {
			/* failed: the old block stays at its address */
			c->live--;
			return bind(c, pd->ptr, pd->slot);
		}
		if (have_in)
			return release_slot(c, t, pd->slot);   /* realloc(p, 0) freed it */
		return 0;
	}
	if (ngb_trace_kind_allocates(kind)) {
		if (kind == NGB_TK_CALLOC)
			ev.aux = aux ? aux : 1;
		else if (ngb_trace_kind_aligned(kind))
			ev.aux = aux == 0xffff || aux >= 32 ? 3 : UINT32_C(1) << aux;
		if (kind == NGB_TK_CALLOC && ev.aux > 1 && ev.size % ev.aux)
			ev.aux = 1;
		if (!r->ptr) {
			ev.flags |= NGB_TF_FAILED;
			return conv_emit(c, t, &ev, time_us);
		}
		if ((rc = new_slot(c, t, 1, &slot)) < 0)
			return rc;
		ev.slot = slot;
		touch(c, t, slot, &ev);
		if ((rc = conv_emit(c, t, &ev, time_us)) < 0)
			return rc;
		touched(c, t, slot);
		return bind(c, r->ptr, slot);
	}
	/* free, delete, malloc_usable_size */
	if (ngb_trace_kind_aligned(kind))
		ev.aux = aux == 0xffff || aux >= 32 ? 3 : UINT32_C(1) << aux;
	if (!r->ptr) {
		ev.flags |= NGB_TF_NOARG;
		return conv_emit(c, t, &ev, time_us);
	}
	s = lookup(c, r->ptr, kind != NGB_TK_USABLE_SIZE);
	if (s < 0) {
		c->dropped++;
		return 0;
	}
	ev.slot = (uint32_t)s;
	touch(c, t, ev.slot, &ev);
	if ((rc = conv_emit(c, t, &ev, time_us)) < 0)
		return rc;
	touched(c, t, ev.slot);
	if (kind != NGB_TK_USABLE_SIZE)
		return release_slot(c, t, ev.slot);
	return 0;
}

static int conv_finish(struct conv *c, const char *out, struct ngb_trace_summary *s,
		       const char *meta, struct ngb_err *e)
{
	char full[META_MAX + 256];

	snprintf(full, sizeof(full), "%s%sreused_live=%llu\npeak_live_objects=%llu\n",
		 meta ? meta : "", meta && *meta && meta[strlen(meta) - 1] != '\n' ? "\n" : "",
		 (unsigned long long)c->reused_live, (unsigned long long)c->peak_live);
	s->nslots = c->nslots;
	s->dropped_frees = c->dropped;
	return writer_finish(&c->w, out, s, full, e);
}

/* ---- from the recorder's raw file ------------------------------------------- */

struct raw_thread {
	uint32_t serial;
	const unsigned char **chunks;   /* each: a chunk header, then its records */
	size_t nchunks, cap;
	size_t ci, ri;                  /* position */
	uint64_t last_seq;
	int started;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The thread's next record (skipping any whose number is not above the last), or NULL. */
static const struct ngb_raw_record *raw_peek(struct raw_thread *rt)
{
	while (rt->ci < rt->nchunks) {
		const struct ngb_raw_chunk *h = (const void *)rt->chunks[rt->ci];

		if (rt->ri < h->count) {
			const struct ngb_raw_record *r =
				(const void *)(rt->chunks[rt->ci] + sizeof(*h) + rt->ri * sizeof(*r));
			uint64_t sq = r->kind_seq & ((UINT64_C(1) << 56) - 1);

			if (rt->started && sq <= rt->last_seq) {
				rt->ri++;          /* written twice at exit */
				continue;
			}
			return r;
		}
		rt->ci++;
		rt->ri = 0;
	}
	return NULL;
}

static uint64_t rec_seq(const struct ngb_raw_record *r)
{
	return r->kind_seq & ((UINT64_C(1) << 56) - 1);
}

int ngb_trace_from_raw(const char *raw_path, const char *out, int compress, const char *meta,
		       struct ngb_trace_summary *sum, struct ngb_err *e)
{
	int fd = open(raw_path, O_RDONLY | O_CLOEXEC), rc = 0;
	struct stat stt;
	const unsigned char *map = NULL;
	size_t size = 0, off;
	struct raw_thread *th = NULL;
	uint32_t nth = 0, *serials = NULL, *heap = NULL, nheap = 0;
	uint64_t t0_ticks = UINT64_MAX, t1_ticks = 0, t0_ns = 0, t1_ns = 0, pid = 0;
	double ns_per_tick = 1;
	struct conv c;

	memset(&c, 0, sizeof(c));
	c.w.fd = -1;
	memset(sum, 0, sizeof(*sum));
	if (fd < 0)
		return ngb_err_set(e, -errno, "cannot open '%s': %s", raw_path, strerror(errno));
	if (fstat(fd, &stt) < 0) {
		rc = ngb_err_set(e, -errno, "cannot read '%s': %s", raw_path, strerror(errno));
		goto out;
	}
	size = (size_t)stt.st_size;
	if (size) {
		map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			map = NULL;
			rc = ngb_err_set(e, -errno, "cannot map '%s': %s", raw_path, strerror(errno));
			goto out;
		}
	}
	/* pass 1: chunks by thread, the clock's calibration points */
	for (off = 0; off + sizeof(struct ngb_raw_chunk) <= size;) {
		const struct ngb_raw_chunk *h = (const void *)(map + off);
		size_t len = sizeof(*h) + (size_t)h->count * sizeof(struct ngb_raw_record);
		uint32_t i;

		if (h->magic != NGB_RAW_MAGIC || h->version != NGB_RAW_VERSION)
			break;        /* a torn write at the end: keep what came before */
		if (off + len > size)
			break;
		pid = h->pid;
		if (h->ticks < t0_ticks) {
			t0_ticks = h->ticks;
			t0_ns = h->mono_ns;
		}
		if (h->ticks >= t1_ticks) {
			t1_ticks = h->ticks;
			t1_ns = h->mono_ns;
		}
		if (h->thread && h->count) {
			for (i = 0; i < nth && th[i].serial != h->thread; i++)
				;
			if (i == nth) {
				struct raw_thread *n = realloc(th, (nth + 1) * sizeof(*th));

				if (!n) {
					rc = ngb_err_set(e, -ENOMEM, "out of memory");
					goto out;
				}
				th = n;
				memset(&th[nth], 0, sizeof(th[nth]));
				th[nth++].serial = h->thread;
			}
			if (th[i].nchunks == th[i].cap) {
				size_t cap = th[i].cap ? th[i].cap * 2 : 16;
				const unsigned char **n = realloc(th[i].chunks, cap * sizeof(*n));

				if (!n) {
					rc = ngb_err_set(e, -ENOMEM, "out of memory");
					goto out;
				}
				th[i].chunks = n;
				th[i].cap = cap;
			}
			th[i].chunks[th[i].nchunks++] = map + off;
		}
		off += len;
	}
	if (nth > MAX_THREADS) {
		rc = ngb_err_set(e, -E2BIG, "'%s' has %u threads; the format holds at most %u", raw_path, nth,
			 MAX_THREADS);
		goto out;
	}
	/* threads in the order of their serials */
	serials = malloc((nth + 1) * sizeof(*serials));
	heap = malloc((nth + 1) * sizeof(*heap));
	if (!serials || !heap) {
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < nth; i++)
		serials[i] = th[i].serial;
	qsort(serials, nth, sizeof(*serials), cmp_u32);
	{
		struct raw_thread *sorted = malloc((nth + 1) * sizeof(*sorted));

		if (!sorted) {
			rc = ngb_err_set(e, -ENOMEM, "out of memory");
			goto out;
		}
		for (uint32_t i = 0; i < nth; i++)
			for (uint32_t j = 0; j < nth; j++)
				if (th[j].serial == serials[i])
					sorted[i] = th[j];
		free(th);
		th = sorted;
	}
	if (t1_ticks > t0_ticks && t1_ns > t0_ns)
		ns_per_tick = (double)(t1_ns - t0_ns) / (double)(t1_ticks - t0_ticks);
	if ((rc = conv_init(&c, nth)) < 0 ||
	    (rc = writer_open(&c.w, out, compress, nth, serials, e)) < 0) {
		if (rc == -ENOMEM)
			ngb_err_set(e, rc, "out of memory");
		goto out;
	}
	/* pass 2: the records of all threads in the global order (a binary heap) */
	for (uint32_t i = 0; i < nth; i++) {
		if (!raw_peek(&th[i]))
			continue;
		uint32_t k = nheap++;

		while (k && rec_seq(raw_peek(&th[heap[(k - 1) / 2]])) > rec_seq(raw_peek(&th[i]))) {
			heap[k] = heap[(k - 1) / 2];
			k = (k - 1) / 2;
		}
		heap[k] = i;
	}
	while (nheap) {
		uint32_t t = heap[0], k, child;
		struct raw_thread *rt = &th[t];
		const struct ngb_raw_record *r = raw_peek(rt);
		uint64_t tk = r->ticks_aux >> 16;
		uint64_t us = tk > t0_ticks ? (uint64_t)((double)(tk - t0_ticks) * ns_per_tick / 1000) : 0;

		if ((rc = conv_record(&c, t, r, us)) < 0) {
			if (rc == -EINVAL)
				ngb_err_set(e, rc, "'%s': a record of thread %u has an unknown call kind %u",
				    raw_path, rt->serial, (unsigned)(r->kind_seq >> 56));
			else
				ngb_err_set(e, rc, "cannot convert '%s' into '%s': %s", raw_path, out,
				    strerror(-rc));
			goto out;
		}
		rt->last_seq = rec_seq(r);
		rt->started = 1;
		rt->ri++;
		/* sift the thread down with its next record, or take it out */
		if (!raw_peek(rt))
			heap[0] = heap[--nheap];
		for (k = 0; nheap; k = child) {
			uint32_t x = heap[k];

			child = 2 * k + 1;
			if (child >= nheap)
				break;
			if (child + 1 < nheap && rec_seq(raw_peek(&th[heap[child + 1]])) <
							 rec_seq(raw_peek(&th[heap[child]])))
				child++;
			if (rec_seq(raw_peek(&th[heap[child]])) >= rec_seq(raw_peek(&th[x])))
				break;
			heap[k] = heap[child];
			heap[child] = x;
		}
	}
	sum->pid = (uint32_t)pid;
	sum->duration_us = t1_ns > t0_ns ? (t1_ns - t0_ns) / 1000 : 0;
	rc = conv_finish(&c, out, sum, meta, e);
out:
	conv_free(&c);
	for (uint32_t i = 0; th && i < nth; i++)
		free(th[i].chunks);
	free(th);
	free(serials);
	free(heap);
	if (map)
		munmap((void *)map, size);
	close(fd);
	return rc;
}

/* ---- from glibc's mtrace output ------------------------------------------- */

/*
 * mtrace(3) writes one line per call: "@ CALLER + ADDR SIZE" (an
 * allocation), "@ CALLER - ADDR" (a free), "@ CALLER < ADDR" then
 * "@ CALLER > ADDR SIZE" (a realloc), the caller optional, addresses and
 * sizes in hex; "= Start" and "= End" frame them.  It has no thread: all
 * calls go to one thread, in the order of the lines.
 */
int ngb_trace_from_mtrace(const char *path, const char *out, int compress, const char *meta,
			  struct ngb_trace_summary *sum, struct ngb_err *e)
{
	FILE *f = fopen(path, "re");
	char line[4096];
	unsigned long long lineno = 0, seq = 0;
	struct conv c;
	int rc = 0, in_realloc = 0;

	memset(&c, 0, sizeof(c));
	c.w.fd = -1;
	memset(sum, 0, sizeof(*sum));
	if (!f)
		return ngb_err_set(e, -errno, "cannot open '%s': %s", path, strerror(errno));
	if ((rc = conv_init(&c, 1)) < 0 || (rc = writer_open(&c.w, out, compress, 1, NULL, e)) < 0) {
		if (rc == -ENOMEM)
			ngb_err_set(e, rc, "out of memory");
		goto out;
	}
	while (fgets(line, sizeof(line), f)) {
		char *tok[8], *save = NULL, *p;
		int n = 0, i;
		struct ngb_raw_record r;
		unsigned long long addr, size = 0;
		char *end;

		lineno++;
		for (p = strtok_r(line, " \t\r\n", &save); p && n < 8; p = strtok_r(NULL, " \t\r\n", &save))
			tok[n++] = p;
		if (!n || tok[0][0] == '=')
			continue;
		if (strcmp(tok[0], "@")) {
			rc = ngb_err_set(e, -EINVAL, "'%s' line %llu: not a line of mtrace output "
				 "(it should start with '@' or '=')", path, lineno);
			goto out;
		}
		/* the operator: the first token of one character among + - < > after the caller */
		for (i = 1; i < n && !(strlen(tok[i]) == 1 && strchr("+-<>", tok[i][0])); i++)
			;
		if (i >= n || i + 1 >= n) {
			rc = ngb_err_set(e, -EINVAL, "'%s' line %llu: no '+', '-', '<' or '>' with an address",
				 path, lineno);
			goto out;
		}
		errno = 0;
		addr = strtoull(tok[i + 1], &end, 16);
		if (errno || *end) {
			rc = ngb_err_set(e, -EINVAL, "'%s' line %llu: '%s' is not a hexadecimal address",
				 path, lineno, tok[i + 1]);
			goto out;
		}
		if (tok[i][0] == '+' || tok[i][0] == '>') {
			if (i + 2 >= n) {
				rc = ngb_err_set(e, -EINVAL, "'%s' line %llu: an allocation without a size",
					 path, lineno);
				goto out;
			}
			size = strtoull(tok[i + 2], &end, 16);
			if (errno || *end) {
				rc = ngb_err_set(e, -EINVAL, "'%s' line %llu: '%s' is not a hexadecimal size",
					 path, lineno, tok[i + 2]);
				goto out;
			}
		}
		memset(&r, 0, sizeof(r));
		r.ptr = addr;
		r.size = size;
		switch (tok[i][0]) {
		case '+': r.kind_seq = (uint64_t)NGB_TK_MALLOC << 56; break;
		case '-': r.kind_seq = (uint64_t)NGB_TK_FREE << 56; break;
		case '<': r.kind_seq = (uint64_t)NGB_RAW_REALLOC_IN << 56; break;
		default:
			if (!in_realloc) {
				/* "> ADDR SIZE" alone: realloc(NULL, n) */
				struct ngb_raw_record in;

				memset(&in, 0, sizeof(in));
				in.kind_seq = (uint64_t)NGB_RAW_REALLOC_IN << 56 | seq++;
				if ((rc = conv_record(&c, 0, &in, 0)) < 0)
					break;
			}
			r.kind_seq = (uint64_t)NGB_TK_REALLOC << 56;
			break;
		}
		if (rc < 0)
			goto conv_failed;
		in_realloc = tok[i][0] == '<';
		r.kind_seq |= seq++;
		/* mtrace writes "< old" for realloc(p, 0) that frees, without a '>' */
		if ((rc = conv_record(&c, 0, &r, 0)) < 0)
			goto conv_failed;
	}
	if (in_realloc) {
		/* the last realloc freed its block (realloc(p, 0)) */
		struct ngb_raw_record r;

		memset(&r, 0, sizeof(r));
		r.kind_seq = (uint64_t)NGB_TK_REALLOC << 56 | seq++;
		if ((rc = conv_record(&c, 0, &r, 0)) < 0)
			goto conv_failed;
	}
	rc = conv_finish(&c, out, sum, meta, e);
	goto out;
conv_failed:
	ngb_err_set(e, rc, "cannot convert '%s' into '%s': %s", path, out, strerror(-rc));
out:
	conv_free(&c);
	fclose(f);
	return rc;
}

/* ---- the loader ------------------------------------------------------------- */

static void *map_anon(size_t n)
{
	void *p = mmap(NULL, n ? n : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int read_exact(int fd, void *p, size_t n, uint64_t off)
{
	char *s = p;

	while (n) {
		ssize_t r = pread(fd, s, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ENODATA;
		s += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

struct file_head {
	struct ngb_trace_summary s;
	uint64_t data_off;            /* the first block */
	uint32_t *serials;
	uint64_t *counts;
};

static int read_head(int fd, const char *path, uint64_t fsize, struct file_head *h,
		     struct ngb_err *e)
{
	unsigned char b[NGB_TRACE_HEADER_BYTES];
	uint32_t hb, meta_len;
	int rc;

	memset(h, 0, sizeof(*h));
	if (fsize == 0)
		return ngb_err_set(e, -ENODATA, "'%s' is empty, not a trace (offset 0)", path);
	if (fsize < 8 || (rc = read_exact(fd, b, 8, 0)) < 0 || memcmp(b, NGB_TRACE_MAGIC, 8))
		return ngb_err_set(e, -EINVAL, "'%s' is not an ngbench trace (offset 0: no '%s' magic)", path,
			   NGB_TRACE_MAGIC);
	if (fsize < NGB_TRACE_HEADER_BYTES)
		return ngb_err_set(e, -EINVAL, "'%s' is truncated at offset %llu: the header needs %d bytes",
			   path, (unsigned long long)fsize, NGB_TRACE_HEADER_BYTES);
	if ((rc = read_exact(fd, b, sizeof(b), 0)) < 0)
		return ngb_err_set(e, rc, "cannot read '%s': %s", path, strerror(-rc));
	h->s.version = get32(b + 8);
	if (h->s.version > NGB_TRACE_VERSION)
		return ngb_err_set(e, -EPROTONOSUPPORT,
			   "'%s' is a trace of format version %u; this ngbench reads version %d and "
			   "older: use a newer ngbench (offset 8)", path, h->s.version, NGB_TRACE_VERSION);
	if (h->s.version == 0)
		return ngb_err_set(e, -EINVAL, "'%s': format version 0 is not valid (offset 8)", path);
	hb = get32(b + 12);
	if (hb != NGB_TRACE_HEADER_BYTES)
		return ngb_err_set(e, -EINVAL, "'%s': header size %u, expected %d (offset 12)", path, hb,
			   NGB_TRACE_HEADER_BYTES);
	h->s.flags = get32(b + 16);
	if (h->s.flags & ~(uint32_t)NGB_TRACE_ZSTD)
		return ngb_err_set(e, -EINVAL, "'%s': unknown flags 0x%x (offset 16)", path, h->s.flags);
#ifndef HAVE_ZSTD
	if (h->s.flags & NGB_TRACE_ZSTD)
		return ngb_err_set(e, -ENOTSUP, "'%s' is compressed with zstd and this ngbench was built "
			   "without it: install libzstd-dev and re-run configure, or record with "
			   "--no-compress", path);
#endif
	h->s.nthreads = get32(b + 20);
	h->s.nevents = get64(b + 24);
	h->s.nslots = get64(b + 32);
	h->s.duration_us = get64(b + 40);
	h->s.pid = get32(b + 48);
	meta_len = get32(b + 52);
	h->s.dropped_frees = get64(b + 56);
	if (h->s.nthreads > MAX_THREADS)
		return ngb_err_set(e, -EINVAL, "'%s': %u threads, at most %d (offset 20)", path,
			   h->s.nthreads, MAX_THREADS);
	if (h->s.nslots >= UINT32_MAX)
		return ngb_err_set(e, -EINVAL, "'%s': %llu slots is too many (offset 32)", path,
			   (unsigned long long)h->s.nslots);
	if (meta_len > 1024 * 1024)
		return ngb_err_set(e, -EINVAL, "'%s': a metadata area of %u bytes, at most 1 MiB (offset 52)",
			   path, meta_len);
	h->data_off = NGB_TRACE_HEADER_BYTES + (uint64_t)meta_len +
		      (uint64_t)h->s.nthreads * THREAD_ENTRY_BYTES;
	if (h->data_off > fsize)
		return ngb_err_set(e, -EINVAL, "'%s' is truncated at offset %llu: the header and thread "
			   "table need %llu bytes", path, (unsigned long long)fsize,
			   (unsigned long long)h->data_off);
	if (meta_len && (rc = read_exact(fd, h->s.meta, meta_len < sizeof(h->s.meta) ? meta_len :
						       sizeof(h->s.meta) - 1, NGB_TRACE_HEADER_BYTES)) < 0)
		return ngb_err_set(e, rc, "cannot read '%s': %s", path, strerror(-rc));
	h->serials = calloc(h->s.nthreads + 1, sizeof(*h->serials));
	h->counts = calloc(h->s.nthreads + 1, sizeof(*h->counts));
	if (!h->serials || !h->counts)
		return ngb_err_set(e, -ENOMEM, "out of memory");
	for (uint32_t t = 0; t < h->s.nthreads; t++) {
		unsigned char ent[THREAD_ENTRY_BYTES];
		uint64_t at = NGB_TRACE_HEADER_BYTES + meta_len + (uint64_t)t * THREAD_ENTRY_BYTES;

		if ((rc = read_exact(fd, ent, sizeof(ent), at)) < 0)
			return ngb_err_set(e, rc, "cannot read '%s': %s", path, strerror(-rc));
		h->serials[t] = get32(ent);
		h->counts[t] = get64(ent + 8);
		if (h->counts[t] > UINT32_MAX - 1)
			return ngb_err_set(e, -EINVAL, "'%s': thread %u has %llu events, at most %u (offset %llu)",
				   path, t, (unsigned long long)h->counts[t], UINT32_MAX - 1,
				   (unsigned long long)at + 8);
	}
	return 0;
}

static void head_free(struct file_head *h)
{
	free(h->serials);
	free(h->counts);
}

int ngb_trace_read_summary(const char *path, struct ngb_trace_summary *s, struct ngb_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
	struct stat st;
	struct file_head h;

	if (fd < 0)
		return ngb_err_set(e, -errno, "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = ngb_err_set(e, -errno, "cannot read '%s': %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	rc = read_head(fd, path, (uint64_t)st.st_size, &h, e);
	if (rc == 0)
		*s = h.s;
	head_free(&h);
	close(fd);
	return rc;
}

/* Where the blocks of each thread start, for messages about a bad event. */
struct block_pos {
	uint64_t off;
	uint32_t thread;
	uint64_t first;       /* index of its first event in the thread */
};

static uint64_t offset_of(const struct block_pos *bp, size_t nb, uint32_t t, uint64_t i)
{
	uint64_t off = 0;

	for (size_t b = 0; b < nb; b++)
		if (bp[b].thread == t && bp[b].first <= i)
			off = bp[b].off;
	return off;
}

static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned sh = 0; sh < 64; sh += 7) {
		if (*p >= end)
			return -1;
		unsigned char c = *(*p)++;

		x |= (uint64_t)(c & 0x7f) << sh;
		if (!(c & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

/* Decodes one block's events into ev[0..n). Returns 0 or the offset within the payload of a bad byte + 1. */
static size_t decode_block(const unsigned char *p, size_t len, uint32_t n, uint32_t nthreads,
			   uint64_t nslots, struct ngb_trace_event *ev, uint64_t *times,
			   uint64_t *last_us, uint32_t *last_slot, const char **why)
{
	const unsigned char *s = p, *end = p + len;
	uint64_t v;

#define NEED(cond, msg) do { if (!(cond)) { *why = msg; return (size_t)(s - p) + 1; } } while (0)
#define VARINT(dst) NEED(get_varint(&s, end, &(dst)) == 0, "a number runs past the block")
#define SLOT(dst) do { VARINT(v); int64_t sl = (int64_t)*last_slot + unzigzag(v); \
		NEED(sl >= 0 && (uint64_t)sl < nslots, "a slot beyond the header's slot count"); \
		*last_slot = (uint32_t)sl; (dst) = (uint32_t)sl; } while (0)
	for (uint32_t i = 0; i < n; i++) {
		struct ngb_trace_event *x = &ev[i];
		uint8_t op;
		unsigned k;

		memset(x, 0, sizeof(*x));
		NEED(s < end, "the block ends before its last event");
		op = *s++;
		k = op & 0x1f;
		NEED(k < NGB_TK_COUNT, "an unknown call kind");
		x->kind = (uint8_t)k;
		x->flags = (uint8_t)((op & 0x20 ? NGB_TF_WAIT : 0) | (op & 0x40 ? NGB_TF_NOARG : 0) |
				     (op & 0x80 ? NGB_TF_FAILED : 0));
		if (x->flags & NGB_TF_WAIT) {
			VARINT(v);
			NEED(v < nthreads, "a wait for a thread the trace does not have");
			x->wait_thread = (uint16_t)v;
			VARINT(v);
			NEED(v >= 1 && v < UINT32_MAX, "a wait for event 0");
			x->wait_index = (uint32_t)v;
		}
		VARINT(v);
		*last_us += v;
		if (times)
			times[i] = *last_us;
		if (k == NGB_TK_SYNC) {
			NEED(x->flags == NGB_TF_WAIT, "a thread-start event without its wait");
		} else if (kind_realloc(k)) {
			if (!(x->flags & NGB_TF_NOARG))
				SLOT(x->aux);
			VARINT(x->size);
			if (!(x->flags & NGB_TF_FAILED))
				SLOT(x->slot);
		} else if (ngb_trace_kind_allocates(k)) {
			NEED(!(x->flags & NGB_TF_NOARG), "an allocation with a block in");
			if (k == NGB_TK_CALLOC || ngb_trace_kind_aligned(k)) {
				VARINT(v);
				NEED(v <= UINT32_MAX, "an alignment or count beyond 32 bits");
				x->aux = (uint32_t)v;
			}
			VARINT(x->size);
			if (!(x->flags & NGB_TF_FAILED))
				SLOT(x->slot);
		} else {
			NEED(!(x->flags & NGB_TF_FAILED), "a free marked as failed");
			if (!(x->flags & NGB_TF_NOARG))
				SLOT(x->slot);
			if (kind_sized_delete(k))
				VARINT(x->size);
			if (ngb_trace_kind_aligned(k)) {
				VARINT(v);
				NEED(v <= UINT32_MAX, "an alignment beyond 32 bits");
				x->aux = (uint32_t)v;
			}
		}
	}
	NEED(s == end, "bytes after the block's last event");
#undef SLOT
#undef VARINT
#undef NEED
	return 0;
}

/*
 * Runs the events in an order that honours every wait, with a slot table:
 * the replay's order up to scheduling.  Marks each waited-on event to publish.
 */
static int simulate(struct ngb_trace *t, const char *path, const struct block_pos *bp, size_t nb,
		    struct ngb_err *e)
{
	uint32_t nth = t->sum.nthreads;
	uint64_t *pos = calloc(nth + 1, sizeof(*pos));
	unsigned char *live = calloc(t->sum.nslots + 1, 1);
	uint64_t done = 0, total = 0;
	int rc = 0;

	if (!pos || !live) {
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < nth; i++) {
		total += t->threads[i].nevents;
		for (uint64_t j = 0; j < t->threads[i].nevents; j++) {
			struct ngb_trace_event *x = &t->threads[i].ev[j];

			if (!(x->flags & NGB_TF_WAIT))
				continue;
			if (x->wait_thread == i || x->wait_index > t->threads[x->wait_thread].nevents) {
				rc = ngb_err_set(e, -EINVAL, "'%s' is corrupt at offset %llu: thread %u event %llu "
					 "waits for event %u of thread %u, which %s", path,
					 (unsigned long long)offset_of(bp, nb, i, j), i,
					 (unsigned long long)j, x->wait_index, x->wait_thread,
					 x->wait_thread == i ? "is its own thread" : "does not exist");
				goto out;
			}
			t->threads[x->wait_thread].ev[x->wait_index - 1].flags |= NGB_TF_PUBLISH;
		}
	}
	while (done < total) {
		uint64_t before = done;

		for (uint32_t i = 0; i < nth; i++) {
			struct ngb_trace_thread *th = &t->threads[i];

			while (pos[i] < th->nevents) {
				struct ngb_trace_event *x = &th->ev[pos[i]];
				const char *bad = NULL;
				unsigned k = x->kind;

				if ((x->flags & NGB_TF_WAIT) && pos[x->wait_thread] < x->wait_index)
					break;
				if (kind_realloc(k)) {
					if (!(x->flags & NGB_TF_NOARG) && !live[x->aux])
						bad = "reallocates an empty slot";
					else if (!(x->flags & NGB_TF_FAILED) &&
						 live[x->slot] && (x->flags & NGB_TF_NOARG || x->slot != x->aux))
						bad = "allocates into a live slot";
					else {
						if (!(x->flags & NGB_TF_NOARG) &&
						    (!(x->flags & NGB_TF_FAILED) || x->size == 0))
							live[x->aux] = 0;
						if (!(x->flags & NGB_TF_FAILED))
							live[x->slot] = 1;
					}
				} else if (ngb_trace_kind_allocates(k)) {
					if (!(x->flags & NGB_TF_FAILED)) {
						if (live[x->slot])
							bad = "allocates into a live slot";
						live[x->slot] = 1;
					}
				} else if (k != NGB_TK_SYNC && !(x->flags & NGB_TF_NOARG)) {
					if (!live[x->slot])
						bad = k == NGB_TK_USABLE_SIZE ? "asks the size of an empty slot" :
							"frees an empty slot";
					else if (k != NGB_TK_USABLE_SIZE)
						live[x->slot] = 0;
				}
				if (bad) {
					rc = ngb_err_set(e, -EINVAL, "'%s' is corrupt at offset %llu: thread %u event "
						 "%llu (%s) %s", path,
						 (unsigned long long)offset_of(bp, nb, i, pos[i]), i,
						 (unsigned long long)pos[i], ngb_trace_kind_name(k), bad);
					goto out;
				}
				pos[i]++;
				done++;
			}
		}
		if (done == before) {
			uint32_t i;

			for (i = 0; i < nth && pos[i] == t->threads[i].nevents; i++)
				;
			rc = ngb_err_set(e, -EDEADLK, "'%s': the waits cannot be honoured: thread %u event %llu "
				 "(offset %llu) waits in a cycle", path, i, (unsigned long long)pos[i],
				 (unsigned long long)offset_of(bp, nb, i, pos[i]));
			goto out;
		}
	}
out:
	free(pos);
	free(live);
	return rc;
}

int ngb_trace_load(const char *path, unsigned opts, struct ngb_trace *t, struct ngb_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
	struct stat st;
	struct file_head h;
	uint64_t off, fsize, *filled = NULL, *last_us = NULL;
	uint32_t *last_slot = NULL;
	unsigned char *stored = NULL, *raw = NULL;
	struct block_pos *bp = NULL;
	size_t nb = 0, capb = 0;

	memset(t, 0, sizeof(*t));
	memset(&h, 0, sizeof(h));
	if (fd < 0)
		return ngb_err_set(e, -errno, "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = ngb_err_set(e, -errno, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	fsize = (uint64_t)st.st_size;
	if ((rc = read_head(fd, path, fsize, &h, e)) < 0)
		goto out;
	t->sum = h.s;
	t->threads = map_anon((h.s.nthreads + 1) * sizeof(*t->threads));
	filled = calloc(h.s.nthreads + 1, sizeof(*filled));
	last_us = calloc(h.s.nthreads + 1, sizeof(*last_us));
	last_slot = calloc(h.s.nthreads + 1, sizeof(*last_slot));
	stored = malloc(BLOCK_STORED_MAX);
	raw = malloc(BLOCK_STORED_MAX);
	if (!t->threads || !filled || !last_us || !last_slot || !stored || !raw) {
		rc = ngb_err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	{
		uint64_t sum = 0;

		for (uint32_t i = 0; i < h.s.nthreads; i++)
			sum += h.counts[i];
		if (sum != h.s.nevents) {
			rc = ngb_err_set(e, -EINVAL, "'%s' is corrupt at offset 24: the header says %llu events, "
				 "the thread table %llu", path, (unsigned long long)h.s.nevents,
				 (unsigned long long)sum);
			goto out;
		}
	}
	for (uint32_t i = 0; i < h.s.nthreads; i++) {
		struct ngb_trace_thread *th = &t->threads[i];

		th->serial = h.serials[i];
		th->nevents = h.counts[i];
		th->ev = map_anon(th->nevents * sizeof(*th->ev));
		if (opts & NGB_TRACE_LOAD_TIMES)
			th->time_us = map_anon(th->nevents * sizeof(*th->time_us));
		if (!th->ev || ((opts & NGB_TRACE_LOAD_TIMES) && !th->time_us)) {
			rc = ngb_err_set(e, -ENOMEM, "out of memory for %llu events",
				 (unsigned long long)th->nevents);
			goto out;
		}
	}
	for (off = h.data_off; off < fsize;) {
		unsigned char bh[BLOCK_HEADER_BYTES];
		uint32_t th_i, n, slen, rlen;
		const unsigned char *payload = stored;
		size_t bad;
		const char *why = NULL;

		if (fsize - off < BLOCK_HEADER_BYTES) {
			rc = ngb_err_set(e, -EINVAL, "'%s' is truncated at offset %llu: a block header is cut off",
				 path, (unsigned long long)off);
			goto out;
		}
		if ((rc = read_exact(fd, bh, sizeof(bh), off)) < 0) {
			rc = ngb_err_set(e, rc, "cannot read '%s': %s", path, strerror(-rc));
			goto out;
		}
		th_i = get32(bh + 4);
		n = get32(bh + 8);
		slen = get32(bh + 12);
		rlen = get32(bh + 16);
		if (get32(bh) != BLOCK_MAGIC) {
			rc = ngb_err_set(e, -EINVAL, "'%s' is corrupt at offset %llu: no block starts there",
				 path, (unsigned long long)off);
			goto out;
		}
		if (th_i >= h.s.nthreads || slen > BLOCK_STORED_MAX || rlen > BLOCK_STORED_MAX ||
		    n == 0 || n > rlen || (!(h.s.flags & NGB_TRACE_ZSTD) && slen != rlen)) {
			rc = ngb_err_set(e, -EINVAL, "'%s' is corrupt at offset %llu: a block header with "
				 "impossible values (thread %u, %u events, %u/%u bytes)", path,
				 (unsigned long long)off, th_i, n, slen, rlen);
			goto out;
		}
		if (filled[th_i] + n > t->threads[th_i].nevents) {
			rc = ngb_err_set(e, -EINVAL, "'%s' is corrupt at offset %llu: thread %u has more events "
				 "than its %llu in the thread table", path, (unsigned long long)off,
				 th_i, (unsigned long long)t->threads[th_i].nevents);
			goto out;
		}
		if (fsize - off - BLOCK_HEADER_BYTES < slen) {
			rc = ngb_err_set(e, -EINVAL, "'%s' is truncated at offset %llu: the block at offset %llu "
				 "needs %u more bytes", path, (unsigned long long)fsize,
				 (unsigned long long)off, slen);
			goto out;
		}
		if ((rc = read_exact(fd, stored, slen, off + BLOCK_HEADER_BYTES)) < 0) {
			rc = ngb_err_set(e, rc, "cannot read '%s': %s", path, strerror(-rc));
			goto out;
		}
		if (checksum(stored, slen) != get32(bh + 20)) {
			rc = ngb_err_set(e, -EINVAL, "'%s' is corrupt at offset %llu: the block's checksum does "
				 "not match its %u bytes", path, (unsigned long long)off, slen);
			goto out;
		}
#ifdef HAVE_ZSTD
		if (h.s.flags & NGB_TRACE_ZSTD) {
			size_t z = ZSTD_decompress(raw, BLOCK_STORED_MAX, stored, slen);

			if (ZSTD_isError(z) || z != rlen) {
				rc = ngb_err_set(e, -EINVAL, "'%s' is corrupt at offset %llu: the block does not "
					 "decompress to its %u bytes", path, (unsigned long long)off, rlen);
				goto out;
			}
			payload = raw;
		}
#endif
		if (nb == capb) {
			size_t cap = capb ? capb * 2 : 64;
			struct block_pos *nbp = realloc(bp, cap * sizeof(*nbp));

			if (!nbp) {
				rc = ngb_err_set(e, -ENOMEM, "out of memory");
				goto out;
			}
			bp = nbp;
			capb = cap;
		}
		bp[nb].off = off;
		bp[nb].thread = th_i;
		bp[nb++].first = filled[th_i];
		bad = decode_block(payload, rlen, n, h.s.nthreads, h.s.nslots,
				   t->threads[th_i].ev + filled[th_i],
				   t->threads[th_i].time_us ? t->threads[th_i].time_us + filled[th_i] : NULL,
				   &last_us[th_i], &last_slot[th_i], &why);
		if (bad) {
			rc = ngb_err_set(e, -EINVAL, "'%s' is corrupt in the block at offset %llu (byte %zu of "
				 "its %s payload): %s", path, (unsigned long long)off, bad - 1,
				 h.s.flags & NGB_TRACE_ZSTD ? "decompressed" : "", why);
			goto out;
		}
		filled[th_i] += n;
		off += BLOCK_HEADER_BYTES + slen;
	}
	for (uint32_t i = 0; i < h.s.nthreads; i++)
		if (filled[i] != t->threads[i].nevents) {
			rc = ngb_err_set(e, -EINVAL, "'%s' is truncated at offset %llu: thread %u has %llu of its "
				 "%llu events", path, (unsigned long long)fsize, i,
				 (unsigned long long)filled[i],
				 (unsigned long long)t->threads[i].nevents);
			goto out;
		}
	rc = simulate(t, path, bp, nb, e);
out:
	if (rc < 0)
		ngb_trace_release(t);
	head_free(&h);
	free(filled);
	free(last_us);
	free(last_slot);
	free(stored);
	free(raw);
	free(bp);
	close(fd);
	return rc;
}

static void unmap_array(void *p, uint64_t n, size_t each)
{
	if (p)
		munmap(p, n ? n * each : 1);
}

void ngb_trace_release(struct ngb_trace *t)
{
	if (t->threads) {
		for (uint32_t i = 0; i < t->sum.nthreads; i++) {
			unmap_array(t->threads[i].ev, t->threads[i].nevents,
				    sizeof(struct ngb_trace_event));
			unmap_array(t->threads[i].time_us, t->threads[i].nevents, sizeof(uint64_t));
		}
		munmap(t->threads, (t->sum.nthreads + 1) * sizeof(*t->threads));
	}
	t->threads = NULL;
}
