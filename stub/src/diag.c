/* diag.c - error lines and the allocator (diag.h). */
#include "diag.h"

void *alloc(size_t bytes)
{
    return HeapAlloc(GetProcessHeap(), 0, bytes);
}

void *alloc_or_die(size_t bytes)
{
    void *p = alloc(bytes);
    if (p == NULL)
        die(EXIT_INTERNAL, "out of memory", NULL, 0);
    return p;
}

int write_stderr(const bchar *text, size_t len)
{
    HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
    if (err == NULL || err == INVALID_HANDLE_VALUE)
        return 0;
    DWORD mode, written;
    if (GetConsoleMode(err, &mode))
        return WriteConsoleW(err, text, (DWORD)len, &written, NULL);
    /* A pipe or file: UTF-8, which is what tools reading our stderr expect. */
    int n = WideCharToMultiByte(CP_UTF8, 0, text, (int)len, NULL, 0, NULL, NULL);
    char *utf8 = alloc((size_t)n + 1);
    if (utf8 == NULL)
        return 0;
    WideCharToMultiByte(CP_UTF8, 0, text, (int)len, utf8, n, NULL, NULL);
    return WriteFile(err, utf8, (DWORD)n, &written, NULL);
}

/* Appends the system's text for `error`, without its trailing period and line break. */
static void put_error_text(wbuf *w, DWORD error)
{
    enum { TEXT_MAX = 512 };
    /* On the heap: the stub has no writable globals (build.sh explains why). */
    WCHAR *text = alloc(TEXT_MAX * sizeof(WCHAR));
    DWORD n = text == NULL ? 0
                           : FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                                            NULL, error, 0, text, TEXT_MAX, NULL);
    while (n > 0 && (text[n - 1] == '\r' || text[n - 1] == '\n' || text[n - 1] == ' ' ||
                     text[n - 1] == '.'))
        n--;
    wbuf_put_ascii(w, ": ");
    if (n > 0) {
        wbuf_put_units(w, text, n);
        wbuf_put_ascii(w, " (");
    }
    wbuf_put_ascii(w, "error ");
    wbuf_put_hex32(w, error);
    if (n > 0)
        wbuf_put(w, ')');
}

static void put_error_line(wbuf *w, const char *what, const bchar *path, DWORD win_error)
{
    wbuf_put_ascii(w, "bounce: error: ");
    wbuf_put_ascii(w, what);
    if (path != NULL) {
        wbuf_put_ascii(w, " \"");
        wbuf_put_units(w, path, bstrlen(path));
        wbuf_put(w, '"');
    }
    if (win_error != 0)
        put_error_text(w, win_error);
    wbuf_put_ascii(w, "\r\n");
}

void die(UINT code, const char *what, const bchar *path, DWORD win_error)
{
    wbuf measure = {NULL, 0, 0};
    put_error_line(&measure, what, path, win_error);
    bchar *buf = alloc((measure.len + 1) * sizeof(bchar));
    if (buf != NULL) {
        wbuf line = {buf, measure.len, 0};
        put_error_line(&line, what, path, win_error);
        buf[line.len] = 0;
        ui_show_error(buf, line.len);
    }
    ExitProcess(code);
}
