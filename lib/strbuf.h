/*
 * lib/strbuf.h - a growing NUL-terminated string, the one copy for every
 * part (in the spirit of git's strbuf).  Library code may use it: it never
 * exits and never prints.  When memory runs out the buffer keeps what it
 * held, sets oom and ignores every later append, so a caller checks once,
 * at the end:
 *
 *	struct strbuf sb = STRBUF_INIT;
 *
 *	strbuf_addf(&sb, "%s=%d", name, value);
 *	if (sb.oom)
 *		return -ENOMEM;
 *	use(strbuf_str(&sb));
 *	strbuf_release(&sb);
 */
#ifndef NGBENCH_LIB_STRBUF_H
#define NGBENCH_LIB_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;      /* NULL until the first append */
	size_t len, alloc;
	int oom;        /* an append failed for want of memory */
};
#define STRBUF_INIT { NULL, 0, 0, 0 }

/* n bytes, NUL bytes included (the buffer stays NUL-terminated). */
void strbuf_add(struct strbuf *sb, const void *data, size_t n);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s quoted for a POSIX shell, only when it needs it. */
void strbuf_add_shell_quoted(struct strbuf *sb, const char *s);
/* s as a JSON string, quotes included (control bytes escaped; s is
 * expected to be valid UTF-8 already). */
void strbuf_add_json_string(struct strbuf *sb, const char *s);
/* The string: "" when nothing was added. */
const char *strbuf_str(struct strbuf *sb);
/* The string, now the caller's to free (malloc'd, "" when empty; NULL only
 * when even that could not be allocated); sb is empty again. */
char *strbuf_detach(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);

#endif /* NGBENCH_LIB_STRBUF_H */
