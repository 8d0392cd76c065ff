/*
 * ngbench/utf8.h - strict UTF-8, in one place for every part (lib/utf8.c).
 *
 * Valid means RFC 3629: the shortest form of a code point up to U+10FFFF
 * that is not a UTF-16 surrogate (U+D800..U+DFFF).  Overlong forms
 * (C0 80, E0 80 80, F0 80 80 80), surrogates (ED A0 80) and code points
 * above U+10FFFF (F4 90 80 80, F5..FF) are invalid, as jansson, browsers
 * and JSON readers hold them to be; text for them has each invalid byte
 * replaced by U+FFFD, so nothing is dropped and nothing is refused.
 */
#ifndef NGBENCH_UTF8_H
#define NGBENCH_UTF8_H

#include <stddef.h>

/* The length (1-4) of the valid sequence at s, or 0 when s starts with an
 * invalid byte (or the NUL). */
size_t ngb_utf8_seq(const unsigned char *s);
/* A malloc'd copy of s (NULL: "") with each invalid byte as U+FFFD; NULL
 * when out of memory. */
char *ngb_utf8_valid_copy(const char *s);

/* A JSON string (jansson) of any bytes, through ngb_utf8_valid_copy(); NULL
 * only when out of memory, which every emitter reports as an error rather
 * than leave the value out.  The _or_null form gives JSON null for NULL. */
struct json_t *ngb_json_text(const char *s);
struct json_t *ngb_json_text_or_null(const char *s);

/* Terminal text: control bytes (C0, DEL) written as \xNN, so that text from
 * outside (a label, a path) cannot move the cursor, clear the screen or ring
 * the bell.  The _lines form keeps newlines and tabs. */
#include <stdio.h>
void ngb_put_text(FILE *out, const char *s);
void ngb_put_text_lines(FILE *out, const char *s);

#endif /* NGBENCH_UTF8_H */
