/*
 * support.h - helpers shared by the native unit tests (unit.c) and the fuzzer (fuzz.c): an
 * encoder for payloads and CRT fd blocks, written from the layouts in payload.h and fdblock.h
 * rather than from the decoders, and reference command-line splitters written from the rules
 * in launcher-facts §3, so put_quoted's output is checked by reading it back the way a child
 * process would.
 *
 * Everything is static: each test program includes this once.
 */
#ifndef BOUNCE_TEST_SUPPORT_H
#define BOUNCE_TEST_SUPPORT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "fdblock.h"
#include "payload.h"

static void put_u16le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32le(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A payload's texts as UTF-16 units; NULL text means empty. */
typedef struct {
    uint8_t kind, flags;
    const bchar *program, *args, *script;
    size_t program_len, args_len, script_len;
    const uint8_t *zip;
    size_t zip_len;
} payload_spec;

/* Encodes `s` by the layout in payload.h into a malloc'd buffer of exactly *size bytes, so
 * AddressSanitizer catches any read past its end. */
static uint8_t *encode_payload(const payload_spec *s, size_t *size)
{
    size_t units = s->program_len + s->args_len + s->script_len;
    size_t text_end = PAYLOAD_HEADER_SIZE + 2 * units;
    size_t zip_at = (text_end + 3) / 4 * 4;
    *size = zip_at + s->zip_len;
    uint8_t *p = calloc(*size ? *size : 1, 1);
    if (p == NULL)
        abort();
    memcpy(p, "BNCE", 4);
    put_u16le(p + 4, PAYLOAD_VERSION);
    p[6] = s->kind;
    p[7] = s->flags;
    put_u32le(p + 8, (uint32_t)s->program_len);
    put_u32le(p + 12, (uint32_t)s->args_len);
    put_u32le(p + 16, (uint32_t)s->script_len);
    put_u32le(p + 20, (uint32_t)s->zip_len);
    uint8_t *at = p + PAYLOAD_HEADER_SIZE;
    const bchar *texts[3] = {s->program, s->args, s->script};
    size_t lens[3] = {s->program_len, s->args_len, s->script_len};
    for (int t = 0; t < 3; t++)
        for (size_t i = 0; i < lens[t]; i++, at += 2)
            put_u16le(at, texts[t][i]);
    if (s->zip_len > 0)
        memcpy(p + zip_at, s->zip, s->zip_len);
    return p;
}

/* One fd of a CRT fd block. */
typedef struct {
    uint8_t flags;
    uint64_t handle;
} fd_entry;

/* Writes `int32 n | u8 flags[n] | handle[n]` (pointer_size bytes each, unaligned) for the
 * first min(n, entries) fds into `out` (zeros for the rest); returns the exact size of a block
 * of n fds. `out` may be NULL to measure. */
static size_t encode_fdblock(uint8_t *out, int32_t n, const fd_entry *e, size_t entries,
                             size_t pointer_size)
{
    size_t count = n < 0 ? 0 : (size_t)n;
    size_t size = 4 + count + count * pointer_size;
    if (out == NULL)
        return size;
    memset(out, 0, size);
    put_u32le(out, (uint32_t)n);
    for (size_t i = 0; i < count && i < entries; i++) {
        out[4 + i] = e[i].flags;
        for (size_t b = 0; b < pointer_size; b++)
            out[4 + count + i * pointer_size + b] = (uint8_t)(e[i].handle >> (8 * b));
    }
    return size;
}

/* How the child's C runtime splits a command line (launcher-facts §3). */
typedef enum { SPLIT_MSVC, SPLIT_SHELL32 } split_rules;

typedef struct {
    bchar *units; /* all arguments, each `len[i]` units from `start[i]` */
    size_t *start, *len;
    size_t count;
} split_args;

static void split_free(split_args *a)
{
    free(a->units);
    free(a->start);
    free(a->len);
}

/*
 * Splits `cl` into arguments. argv[0] ends at the first space or tab outside quotes, quotes
 * toggle and nothing is escaped in it. After it: space and tab separate; 2n backslashes and a
 * quote give n backslashes and toggle quoting, 2n+1 give n and a literal quote; other
 * backslashes are literal. `""` inside quotes is a literal quote: MSVC (2008+) stays in
 * quotes, CommandLineToArgvW (SPLIT_SHELL32) leaves them.
 */
static split_args split_command_line(const bchar *cl, size_t n, split_rules rules)
{
    split_args a;
    /* No argument is longer than the line, and there are at most n/2+1 of them. */
    a.units = malloc((n + 1) * sizeof(bchar));
    a.start = malloc((n / 2 + 2) * sizeof(size_t));
    a.len = malloc((n / 2 + 2) * sizeof(size_t));
    a.count = 0;
    if (a.units == NULL || a.start == NULL || a.len == NULL)
        abort();
    size_t out = 0, i = 0;

    a.start[0] = 0;
    int quoted = 0;
    for (; i < n && (quoted || (cl[i] != ' ' && cl[i] != '\t')); i++) {
        if (cl[i] == '"')
            quoted = !quoted;
        else
            a.units[out++] = cl[i];
    }
    a.len[0] = out;
    a.count = 1;

    for (;;) {
        while (i < n && (cl[i] == ' ' || cl[i] == '\t'))
            i++;
        if (i >= n)
            break;
        a.start[a.count] = out;
        quoted = 0;
        while (i < n) {
            size_t slashes = 0;
            while (i < n && cl[i] == '\\')
                slashes++, i++;
            if (i < n && cl[i] == '"') {
                for (size_t k = 0; k < slashes / 2; k++)
                    a.units[out++] = '\\';
                if (slashes % 2) {
                    a.units[out++] = '"';
                    i++;
                } else if (quoted && i + 1 < n && cl[i + 1] == '"') {
                    a.units[out++] = '"';
                    i += 2;
                    if (rules == SPLIT_SHELL32)
                        quoted = 0;
                } else {
                    quoted = !quoted;
                    i++;
                }
                continue;
            }
            for (size_t k = 0; k < slashes; k++)
                a.units[out++] = '\\';
            if (i >= n || (!quoted && (cl[i] == ' ' || cl[i] == '\t')))
                break;
            a.units[out++] = cl[i++];
        }
        a.len[a.count] = out - a.start[a.count];
        a.count++;
    }
    return a;
}

/* 1 if argument `k` of `a` equals the `n` units at `s`. */
static int split_arg_is(const split_args *a, size_t k, const bchar *s, size_t n)
{
    return k < a->count && a->len[k] == n &&
           (n == 0 || memcmp(a->units + a->start[k], s, n * sizeof(bchar)) == 0);
}

#endif
