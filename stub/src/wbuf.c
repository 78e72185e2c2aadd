/* wbuf.c - the bounded UTF-16 writer declared in pure.h. */
#include "pure.h"

void wbuf_put(wbuf *w, bchar c)
{
    if (w->len < w->cap)
        w->buf[w->len] = c;
    w->len++;
}

void wbuf_put_units(wbuf *w, const bchar *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wbuf_put(w, s[i]);
}

void wbuf_put_le(wbuf *w, const uint8_t *le, size_t units)
{
    for (size_t i = 0; i < units; i++)
        wbuf_put(w, (bchar)(le[2 * i] | (le[2 * i + 1] << 8)));
}

void wbuf_put_ascii(wbuf *w, const char *s)
{
    while (*s)
        wbuf_put(w, (bchar)(unsigned char)*s++);
}

void wbuf_put_hex32(wbuf *w, uint32_t v)
{
    wbuf_put_ascii(w, "0x");
    for (int shift = 28; shift >= 0; shift -= 4) {
        unsigned digit = (v >> shift) & 0xF;
        wbuf_put(w, (bchar)(digit < 10 ? '0' + digit : 'A' - 10 + digit));
    }
}

size_t bstrlen(const bchar *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}
