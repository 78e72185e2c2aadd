/*
 * common.h - helpers shared by the Bounce Windows test programs (probe.c, harness.c).
 *
 * Header-only on purpose: each program is one translation unit built with
 * x86_64-w64-mingw32-gcc against msvcrt.dll and kernel32.dll only.
 *
 * Provides: a growable byte buffer with JSON writers (UTF-16 strings are written
 * as UTF-8 JSON strings, or as hex of their exact UTF-16LE bytes), hex decoding
 * of UTF-16LE arguments, a millisecond clock, and an atomic file write
 * (temp file + MoveFileExW replace) so readers never see half a report.
 */
#ifndef BOUNCE_WINPROGS_COMMON_H
#define BOUNCE_WINPROGS_COMMON_H

#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* every helper is static; not every program uses each one */
#define COMMON_FN static __attribute__((unused))

/* ---- growable buffer ------------------------------------------------------ */

typedef struct {
    char *p;
    size_t len;
    size_t cap;
} Buf;

COMMON_FN void buf_put(Buf *b, const void *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap) cap *= 2;
        char *p = (char *)realloc(b->p, cap);
        if (!p) ExitProcess(0xBADC0DE1u);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = 0;
}

COMMON_FN void buf_str(Buf *b, const char *s) { buf_put(b, s, strlen(s)); }

COMMON_FN void buf_u64(Buf *b, unsigned long long v)
{
    char tmp[24];
    int i = (int)sizeof tmp;
    tmp[--i] = 0;
    do { tmp[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    buf_str(b, tmp + i);
}

COMMON_FN void buf_i64(Buf *b, long long v)
{
    if (v < 0) { buf_str(b, "-"); buf_u64(b, 0ull - (unsigned long long)v); }
    else buf_u64(b, (unsigned long long)v);
}

COMMON_FN void buf_bool(Buf *b, BOOL v) { buf_str(b, v ? "true" : "false"); }

/* Lower-case hex of raw bytes, no quotes. */
COMMON_FN void buf_hex(Buf *b, const void *data, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)data;
    for (size_t i = 0; i < n; i++) {
        char two[2] = { digits[s[i] >> 4], digits[s[i] & 15] };
        buf_put(b, two, 2);
    }
}

/* JSON string holding the hex of the exact UTF-16LE bytes of s (n units). */
COMMON_FN void buf_json_whex(Buf *b, const wchar_t *s, size_t n)
{
    buf_str(b, "\"");
    buf_hex(b, s, n * sizeof(wchar_t));
    buf_str(b, "\"");
}

/* JSON string of UTF-8 bytes: escapes quote, backslash and control chars. */
COMMON_FN void buf_json_utf8(Buf *b, const char *s, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    buf_str(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"') buf_str(b, "\\\"");
        else if (c == '\\') buf_str(b, "\\\\");
        else if (c < 0x20) {
            char esc[6] = { '\\', 'u', '0', '0', digits[c >> 4], digits[c & 15] };
            buf_put(b, esc, 6);
        } else buf_put(b, &c, 1);
    }
    buf_str(b, "\"");
}

/* UTF-16 to a malloc'd UTF-8 string (lone surrogates become U+FFFD). */
COMMON_FN char *wide_to_utf8(const wchar_t *s, size_t n, size_t *out_len)
{
    int need = n ? WideCharToMultiByte(CP_UTF8, 0, s, (int)n, NULL, 0, NULL, NULL) : 0;
    char *u = (char *)malloc((size_t)need + 1);
    if (!u) ExitProcess(0xBADC0DE1u);
    if (need) WideCharToMultiByte(CP_UTF8, 0, s, (int)n, u, need, NULL, NULL);
    u[need] = 0;
    if (out_len) *out_len = (size_t)need;
    return u;
}

/* JSON string of a NUL-terminated UTF-16 string (readable form, not exact). */
COMMON_FN void buf_json_wstr(Buf *b, const wchar_t *s)
{
    size_t n = 0;
    char *u = wide_to_utf8(s, wcslen(s), &n);
    buf_json_utf8(b, u, n);
    free(u);
}

/* ---- hex arguments --------------------------------------------------------- */

COMMON_FN int hex_digit(wchar_t c)
{
    if (c >= L'0' && c <= L'9') return c - L'0';
    if (c >= L'a' && c <= L'f') return c - L'a' + 10;
    if (c >= L'A' && c <= L'F') return c - L'A' + 10;
    return -1;
}

/* Decodes hex into malloc'd bytes followed by two NUL bytes (so a UTF-16LE
 * payload is also a NUL-terminated wide string). NULL on malformed hex. */
COMMON_FN unsigned char *hex_decode(const wchar_t *hex, size_t *out_len)
{
    size_t n = wcslen(hex);
    if (n % 2) return NULL;
    unsigned char *out = (unsigned char *)malloc(n / 2 + 2);
    if (!out) ExitProcess(0xBADC0DE1u);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) { free(out); return NULL; }
        out[i] = (unsigned char)(hi * 16 + lo);
    }
    out[n / 2] = out[n / 2 + 1] = 0;
    *out_len = n / 2;
    return out;
}

/* "@FILE": the hex is in FILE (ASCII), for values too long for our own command line. */
COMMON_FN wchar_t *hex_from_file(const wchar_t *path)
{
    HANDLE f = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (f == INVALID_HANDLE_VALUE) return NULL;
    DWORD size = GetFileSize(f, NULL), got = 0;
    char *text = (char *)malloc((size_t)size + 1);
    wchar_t *wide = (wchar_t *)malloc(((size_t)size + 1) * sizeof(wchar_t));
    if (!text || !wide || !ReadFile(f, text, size, &got, NULL) || got != size) ExitProcess(0xBADC0DE2u);
    CloseHandle(f);
    for (DWORD i = 0; i < size; i++) wide[i] = (unsigned char)text[i];
    wide[size] = 0;
    free(text);
    return wide;
}

/* Hex of UTF-16LE bytes (or "@FILE" holding it) to a wide string; "-" stands for NULL.
 * Sets *ok. */
COMMON_FN wchar_t *hex_to_wide_or_null(const wchar_t *hex, BOOL *ok)
{
    size_t n = 0;
    *ok = TRUE;
    if (wcscmp(hex, L"-") == 0) return NULL;
    if (hex[0] == L'@' && (hex = hex_from_file(hex + 1)) == NULL) { *ok = FALSE; return NULL; }
    unsigned char *bytes = hex_decode(hex, &n);
    if (!bytes || n % 2) { free(bytes); *ok = FALSE; return NULL; }
    return (wchar_t *)bytes;
}

/* ---- clock ------------------------------------------------------------------ */

COMMON_FN long long now_ms(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER t;
    if (!freq.QuadPart) QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&t);
    return (long long)(t.QuadPart * 1000 / freq.QuadPart);
}

/* ---- files ------------------------------------------------------------------ */

COMMON_FN BOOL write_whole_file(const wchar_t *path, const void *data, size_t n)
{
    HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) return FALSE;
    DWORD done = 0;
    BOOL ok = WriteFile(h, data, (DWORD)n, &done, NULL) && done == (DWORD)n;
    return CloseHandle(h) && ok;
}

/* Appends the decimal digits of v to the wide string s (room is the caller's). */
COMMON_FN void wcs_append_u32(wchar_t *s, unsigned long v)
{
    wchar_t tmp[12];
    int i = 11;
    tmp[i] = 0;
    do { tmp[--i] = (wchar_t)(L'0' + v % 10); v /= 10; } while (v);
    wcscat(s, tmp + i);
}

/* Writes path + ".tmp<pid>" then renames it over path. */
COMMON_FN BOOL write_file_atomic(const wchar_t *path, const Buf *b)
{
    size_t n = wcslen(path);
    wchar_t *tmp = (wchar_t *)malloc((n + 32) * sizeof(wchar_t));
    if (!tmp) return FALSE;
    wcscpy(tmp, path);
    wcscat(tmp, L".tmp");
    wcs_append_u32(tmp, GetCurrentProcessId());
    BOOL ok = write_whole_file(tmp, b->p ? b->p : "", b->len) &&
              MoveFileExW(tmp, path, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
    if (!ok) DeleteFileW(tmp);
    free(tmp);
    return ok;
}

#endif
