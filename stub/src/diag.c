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
    /* A pipe or file: UTF-8, which is what tools reading our stderr expect. A UTF-16 unit
     * becomes at most 3 bytes. */
    char *utf8 = alloc(3 * len);
    if (utf8 == NULL)
        return 0;
    int n = WideCharToMultiByte(CP_UTF8, 0, text, (int)len, utf8, (int)(3 * len), NULL, NULL);
    return WriteFile(err, utf8, (DWORD)n, &written, NULL);
}

/* Room for the longest line: a path of 32,767 units, our words and the system's error text. */
enum { LINE_MAX = 34000, ERROR_TEXT_MAX = 512 };

/* Appends ": <the system's text for error> (error 0x...)", the text without its trailing period
 * and line break. FormatMessageW writes it straight into the line. */
static void put_error_text(wbuf *w, DWORD error)
{
    wbuf_put_ascii(w, ": ");
    DWORD n = 0;
    if (w->len + ERROR_TEXT_MAX < w->cap)
        n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, error,
                           0, w->buf + w->len, ERROR_TEXT_MAX, NULL);
    while (n > 0 && (w->buf[w->len + n - 1] == '\r' || w->buf[w->len + n - 1] == '\n' ||
                     w->buf[w->len + n - 1] == ' ' || w->buf[w->len + n - 1] == '.'))
        n--;
    w->len += n;
    wbuf_put_ascii(w, n > 0 ? " (error " : "error ");
    wbuf_put_hex32(w, error);
    if (n > 0)
        wbuf_put(w, ')');
}

void die(UINT code, const char *what, const bchar *path, DWORD win_error)
{
    bchar *line = alloc(LINE_MAX * sizeof(bchar));
    if (line != NULL) {
        wbuf w = {line, LINE_MAX - 3, 0};
        wbuf_put_ascii(&w, "bounce: error: ");
        wbuf_put_ascii(&w, what);
        if (path != NULL) {
            wbuf_put_ascii(&w, " \"");
            wbuf_put_units(&w, path, bstrlen(path));
            wbuf_put(&w, '"');
        }
        if (win_error != 0)
            put_error_text(&w, win_error);
        if (w.len > w.cap) /* cannot happen with paths Windows allows; keep the line end */
            w.len = w.cap;
        w.cap += 3;
        wbuf_put_ascii(&w, "\r\n");
        line[w.len] = 0;
        ui_show_error(line, w.len);
    }
    ExitProcess(code);
}
