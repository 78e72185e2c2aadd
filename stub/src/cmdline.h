/*
 * cmdline.h - the command line the launcher hands to CreateProcessW, and the paths in it.
 *
 * The caller's arguments are never re-split or re-quoted (facts §3): the stub finds where
 * argv[0] ends by the MSVC rule and appends the rest of GetCommandLineW() unchanged, so every
 * byte the caller wrote arrives in the child.
 */
#ifndef BOUNCE_CMDLINE_H
#define BOUNCE_CMDLINE_H

#include "pure.h"

/*
 * Index just past argv[0] of `cl` (len units) by the MSVC rule: quotes toggle, no escapes, the
 * first space or tab outside quotes ends it. `cl + result` is the tail: empty, or starting
 * with the whitespace that ended argv[0]. Handles `C:\"Program Files"\x.exe` (partly quoted).
 */
size_t argv0_end(const bchar *cl, size_t len);

/* Appends `s` quoted so that both the MSVC CRT and CommandLineToArgvW read it back as one
 * argument equal to `s` (the libuv/Rust algorithm). */
void put_quoted(wbuf *w, const bchar *s, size_t n);

/* 1 if `p` is an absolute Windows path: `X:\`, `X:/`, `\\server` or `//server`. */
int path_is_absolute(const bchar *p, size_t n);

/* Length of the folder part of `path`: up to, not including, the last `\` or `/`. */
size_t path_dir_len(const bchar *path, size_t n);

/* Appends `rel` resolved against `dir` (absolute `rel` is kept as it is). No symlink or `..`
 * resolution: the path is used as written (uv #19374). */
void put_resolved(wbuf *w, const bchar *dir, size_t dir_len, const bchar *rel, size_t rel_len);

/* The parts of the child's command line, in order: "program" args "script" tail. */
typedef struct {
    const bchar *program;   /* resolved, absolute */
    size_t program_len;
    const bchar *args;      /* fixed arguments, already quoted; may be empty */
    size_t args_len;
    const bchar *script;    /* resolved script or launcher path; NULL for none */
    size_t script_len;
    const bchar *tail;      /* the caller's tail, verbatim */
    size_t tail_len;
} command_parts;

/* Writes the command line (without NUL) into w; w->len is its length even when it did not fit. */
void put_command_line(wbuf *w, const command_parts *parts);

#endif
