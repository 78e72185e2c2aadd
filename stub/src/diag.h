/*
 * diag.h - the stub's own failures: one line `bounce: error: ...` naming the path and the
 * Windows error text, then an exit code of its own. Scripts use 1 and 2, shells 126 and 127,
 * so the stub's codes are 120-125 (documented in README.md and docs/format.md).
 */
#ifndef BOUNCE_DIAG_H
#define BOUNCE_DIAG_H

#include "win32.h"

enum bounce_exit_code {
    EXIT_SELF_PATH = 120,       /* cannot read the launcher's own path */
    EXIT_NO_PAYLOAD = 121,      /* the BOUNCE resource is missing */
    EXIT_BAD_PAYLOAD = 122,     /* the BOUNCE resource is corrupt */
    EXIT_TOO_LONG = 123,        /* the child's command line would exceed 32,767 units */
    EXIT_CANNOT_START = 124,    /* CreateProcessW failed, e.g. the interpreter is missing */
    EXIT_INTERNAL = 125,        /* out of memory, or waiting for the child failed */
};

/* Writes `bounce: error: <what> "<path>": <text of win_error>` and exits with `code`.
 * `path` may be NULL and `win_error` 0 when they do not apply. */
__declspec(noreturn) void die(UINT code, const char *what, const bchar *path, DWORD win_error);

/* Allocates from the process heap; NULL when out of memory. */
void *alloc(size_t bytes);

/* Allocates or dies with EXIT_INTERNAL: the stub cannot do anything useful without memory. */
void *alloc_or_die(size_t bytes);

/* Writes UTF-16 text to the standard error handle; returns 0 if there is none. */
int write_stderr(const bchar *text, size_t len);

/* ui_console.c / ui_gui.c: the variant-specific parts, chosen at link time. */
/* `line` ends in "\r\n" and is NUL-terminated; the GUI variant may overwrite it. */
void ui_show_error(bchar *line, size_t len);
void ui_after_spawn(void);

#endif
