/* cmdline.c - argv[0] scanning, quoting, path joining and command-line assembly (cmdline.h). */
#include "cmdline.h"

size_t argv0_end(const bchar *cl, size_t len)
{
    int quoted = 0;
    size_t i = 0;
    for (; i < len; i++) {
        bchar c = cl[i];
        if (c == '"')
            quoted = !quoted;
        else if (!quoted && (c == ' ' || c == '\t'))
            break;
    }
    return i;
}

static int needs_quotes(const bchar *s, size_t n)
{
    if (n == 0)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\v' || s[i] == '"')
            return 1;
    return 0;
}

void put_quoted(wbuf *w, const bchar *s, size_t n)
{
    if (!needs_quotes(s, n)) {
        wbuf_put_units(w, s, n);
        return;
    }
    wbuf_put(w, '"');
    size_t backslashes = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\') {
            backslashes++;
            continue;
        }
        /* Backslashes are literal unless a quote follows: then each must be doubled. */
        size_t copies = s[i] == '"' ? 2 * backslashes + 1 : backslashes;
        for (size_t k = 0; k < copies; k++)
            wbuf_put(w, '\\');
        wbuf_put(w, s[i]);
        backslashes = 0;
    }
    for (size_t k = 0; k < 2 * backslashes; k++) /* they precede the closing quote */
        wbuf_put(w, '\\');
    wbuf_put(w, '"');
}

static int is_slash(bchar c)
{
    return c == '\\' || c == '/';
}

int path_is_absolute(const bchar *p, size_t n)
{
    if (n >= 2 && is_slash(p[0]) && is_slash(p[1]))
        return 1;
    return n >= 3 && ((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && p[1] == ':' && is_slash(p[2]);
}

size_t path_dir_len(const bchar *path, size_t n)
{
    while (n > 0 && !is_slash(path[n - 1]))
        n--;
    return n > 0 ? n - 1 : 0;
}

void put_resolved(wbuf *w, const bchar *dir, size_t dir_len, const bchar *rel, size_t rel_len)
{
    if (!path_is_absolute(rel, rel_len)) {
        wbuf_put_units(w, dir, dir_len);
        wbuf_put(w, '\\');
    }
    wbuf_put_units(w, rel, rel_len);
}

void put_command_line(wbuf *w, const command_parts *parts)
{
    put_quoted(w, parts->program, parts->program_len);
    if (parts->args_len > 0) {
        wbuf_put(w, ' ');
        wbuf_put_units(w, parts->args, parts->args_len);
    }
    if (parts->script != NULL) {
        wbuf_put(w, ' ');
        put_quoted(w, parts->script, parts->script_len);
    }
    wbuf_put_units(w, parts->tail, parts->tail_len);
}
