/*
 * pure.h - types shared by the stub's pure logic (payload, command line, paths, fd block).
 *
 * Nothing here touches Win32: these files also compile natively on Linux, where they are
 * unit-tested (stub/test/unit.c) and fuzzed (stub/test/fuzz.c). Text is UTF-16 code units in
 * host order (`bchar`), exactly what the wide-character Win32 API takes; on Linux wchar_t is 32
 * bits wide, so the pure code never uses wchar_t.
 */
#ifndef BOUNCE_PURE_H
#define BOUNCE_PURE_H

#include <stddef.h>
#include <stdint.h>

typedef uint16_t bchar;

/* The longest command line CreateProcessW accepts, in UTF-16 units, including the NUL. */
#define BOUNCE_MAX_COMMAND_LINE 32767u

/*
 * A bounded writer of UTF-16 units. It keeps counting past `cap` without writing, so one pass
 * with cap = 0 measures and a second pass writes: the caller allocates exactly once.
 */
typedef struct {
    bchar *buf;
    size_t cap;
    size_t len;
} wbuf;

void wbuf_put(wbuf *w, bchar c);
void wbuf_put_units(wbuf *w, const bchar *s, size_t n);
/* Appends the UTF-16LE units stored at `le` (unaligned bytes, as in the payload). */
void wbuf_put_le(wbuf *w, const uint8_t *le, size_t units);
/* Appends the ASCII string `s`. */
void wbuf_put_ascii(wbuf *w, const char *s);
/* Appends the decimal or hexadecimal (0x%08X) form of v. */
void wbuf_put_hex32(wbuf *w, uint32_t v);

/* Length of a NUL-terminated UTF-16 string. */
size_t bstrlen(const bchar *s);

#endif
