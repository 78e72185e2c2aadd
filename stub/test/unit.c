/*
 * unit.c - native unit tests of the stub's pure logic (payload.c, cmdline.c, fdblock.c,
 * wbuf.c), compiled on Linux with AddressSanitizer and UndefinedBehaviorSanitizer by
 * run-unit.sh. No framework: CHECK records a failure and the test goes on, so one run shows
 * every broken expectation. The last line is `N passed, M failed` (N and M count tests).
 */
#include <limits.h>
#include <stdio.h>
#include <uchar.h>

#include "support.h"

static int g_failures_in_test;
static unsigned g_checks;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        g_checks++;                                                                        \
        if (!(cond)) {                                                                     \
            g_failures_in_test++;                                                          \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);      \
        }                                                                                  \
    } while (0)

/* A UTF-16 literal and its length in units, for the (pointer, length) APIs. */
#define U(s) (const bchar *)u##s, (sizeof(u##s) / 2 - 1)
/* Points `ptr` at a UTF-16 literal and sets `len` to its length in units. */
#define SET(ptr, len, s) ((ptr) = (const bchar *)u##s, (len) = sizeof(u##s) / 2 - 1)

/* 1 if the `n` units at `a` equal the UTF-16 literal `b` (given with U()). */
static int units_eq(const bchar *a, size_t n, const bchar *b, size_t bn)
{
    return n == bn && (n == 0 || memcmp(a, b, n * sizeof(bchar)) == 0);
}

/* ---- payload ---------------------------------------------------------------------------- */

static payload_spec spec_script(void)
{
    static const uint8_t zip[] = {'P', 'K', 5, 6, 0, 0, 0, 0, 0};
    payload_spec s = {0};
    s.kind = KIND_SCRIPT;
    SET(s.program, s.program_len, "C:\\Python312\\python.exe");
    SET(s.args, s.args_len, "-E");
    s.zip = zip;
    s.zip_len = sizeof zip;
    return s;
}

static payload_spec spec_proxy(void)
{
    payload_spec s = {0};
    s.kind = KIND_PROXY;
    SET(s.program, s.program_len, "..\\python.exe"); /* relative to the launcher's folder */
    return s;
}

static payload_spec spec_exec(void)
{
    payload_spec s = {0};
    s.kind = KIND_EXEC;
    s.flags = FLAG_ALLOW_BREAKAWAY;
    SET(s.program, s.program_len, "node.exe");
    SET(s.args, s.args_len, "--enable-source-maps");
    SET(s.script, s.script_len, "..\\lib\\tsc.js");
    return s;
}

/* 1 if the payload text `t` holds the units of `s`. */
static int text_is(le_text t, const bchar *s, size_t n)
{
    if (t.len != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((bchar)(t.units[2 * i] | (t.units[2 * i + 1] << 8)) != s[i])
            return 0;
    return 1;
}

static payload_status parse_spec(const payload_spec *s)
{
    size_t size;
    uint8_t *p = encode_payload(s, &size);
    payload out;
    payload_status st = payload_parse(p, size, &out);
    free(p);
    return st;
}

static void check_valid_payload(const payload_spec *s)
{
    size_t size;
    uint8_t *p = encode_payload(s, &size);
    payload out;
    memset(&out, 0xAA, sizeof out);
    CHECK(payload_parse(p, size, &out) == PAYLOAD_OK);
    CHECK(out.kind == s->kind);
    CHECK(out.flags == s->flags);
    CHECK(out.program.units == p + PAYLOAD_HEADER_SIZE);
    CHECK(text_is(out.program, s->program, s->program_len));
    CHECK(text_is(out.args, s->args, s->args_len));
    CHECK(text_is(out.script, s->script, s->script_len));
    CHECK(out.zip_size == s->zip_len);
    CHECK((size - out.zip_size) % 4 == 0);
    free(p);
}

static void test_payload_valid(void)
{
    payload_spec s = spec_script();
    check_valid_payload(&s);
    s = spec_proxy();
    check_valid_payload(&s);
    s = spec_exec();
    check_valid_payload(&s);
    s.script_len = 0; /* an exec launcher without a script */
    check_valid_payload(&s);
    s = spec_script();
    s.zip_len = 0; /* the zip is CPython's business; the stub accepts an empty one */
    s.args_len = 0;
    check_valid_payload(&s);
}

/* Each text may be up to 32,766 units (one command line with its NUL); 32,767 is refused. */
static void test_payload_length_limits(void)
{
    size_t n = BOUNCE_MAX_COMMAND_LINE;
    bchar *big = malloc(n * sizeof(bchar));
    for (size_t i = 0; i < n; i++)
        big[i] = 'a';
    payload_spec s = spec_exec();
    s.program = big;
    s.program_len = n - 1;
    s.args = big;
    s.args_len = n - 1;
    s.script = big;
    s.script_len = n - 1;
    check_valid_payload(&s);
    s.program_len = n;
    CHECK(parse_spec(&s) == PAYLOAD_BAD_LENGTH);
    s.program_len = 1;
    s.args_len = n;
    CHECK(parse_spec(&s) == PAYLOAD_BAD_LENGTH);
    s.args_len = 1;
    s.script_len = n;
    CHECK(parse_spec(&s) == PAYLOAD_BAD_LENGTH);
    s.script_len = 1;
    CHECK(parse_spec(&s) == PAYLOAD_OK);
    s.program_len = 0;
    CHECK(parse_spec(&s) == PAYLOAD_BAD_LENGTH);
    free(big);
}

static void test_payload_truncated(void)
{
    payload_spec s = spec_proxy();
    size_t size;
    uint8_t *p = encode_payload(&s, &size);
    payload out;
    CHECK(payload_parse(NULL, size, &out) == PAYLOAD_TRUNCATED);
    CHECK(payload_parse(p, 0, &out) == PAYLOAD_TRUNCATED);
    CHECK(payload_parse(p, 4, &out) == PAYLOAD_TRUNCATED);
    CHECK(payload_parse(p, PAYLOAD_HEADER_SIZE - 1, &out) == PAYLOAD_TRUNCATED);
    /* A whole header with texts cut short is a length error, at any cut. */
    for (size_t cut = PAYLOAD_HEADER_SIZE; cut < size; cut++)
        CHECK(payload_parse(p, cut, &out) == PAYLOAD_BAD_LENGTH);
    free(p);
}

/* Parses `p` after setting byte `at` to `v`; restores it. */
static payload_status parse_with_byte(uint8_t *p, size_t size, size_t at, uint8_t v)
{
    uint8_t old = p[at];
    p[at] = v;
    payload out;
    payload_status st = payload_parse(p, size, &out);
    p[at] = old;
    return st;
}

static void test_payload_header_fields(void)
{
    payload_spec s = spec_exec();
    size_t size;
    uint8_t *p = encode_payload(&s, &size);
    CHECK(parse_with_byte(p, size, 0, 'b') == PAYLOAD_BAD_MAGIC);
    CHECK(parse_with_byte(p, size, 3, 'X') == PAYLOAD_BAD_MAGIC);
    CHECK(parse_with_byte(p, size, 4, 0) == PAYLOAD_BAD_VERSION);
    CHECK(parse_with_byte(p, size, 4, 2) == PAYLOAD_BAD_VERSION);
    CHECK(parse_with_byte(p, size, 5, 1) == PAYLOAD_BAD_VERSION); /* 0x0101 */
    p[4] = 0;
    CHECK(parse_with_byte(p, size, 5, 1) == PAYLOAD_BAD_VERSION); /* 0x0100: byte order */
    p[4] = 1;
    CHECK(parse_with_byte(p, size, 6, 0) == PAYLOAD_BAD_KIND);
    CHECK(parse_with_byte(p, size, 6, 4) == PAYLOAD_BAD_KIND);
    CHECK(parse_with_byte(p, size, 6, 0xFF) == PAYLOAD_BAD_KIND);
    CHECK(parse_with_byte(p, size, 7, 0) == PAYLOAD_OK);
    CHECK(parse_with_byte(p, size, 7, 0x02) == PAYLOAD_BAD_FLAGS);
    CHECK(parse_with_byte(p, size, 7, 0x81) == PAYLOAD_BAD_FLAGS);
    CHECK(parse_with_byte(p, size, 7, 0xFF) == PAYLOAD_BAD_FLAGS);
    /* The order of the checks: magic before version before kind before flags. */
    p[4] = 9;
    p[6] = 9;
    CHECK(parse_with_byte(p, size, 1, 0) == PAYLOAD_BAD_MAGIC);
    CHECK(parse_with_byte(p, size, 7, 0xFE) == PAYLOAD_BAD_VERSION);
    p[4] = 1;
    CHECK(parse_with_byte(p, size, 7, 0xFE) == PAYLOAD_BAD_KIND);
    free(p);
}

/* The script length belongs to exec launchers and the zip to script launchers only. */
static void test_payload_kind_rules(void)
{
    payload_spec s = spec_proxy();
    SET(s.script, s.script_len, "x.py");
    CHECK(parse_spec(&s) == PAYLOAD_BAD_LENGTH);
    s.kind = KIND_SCRIPT;
    CHECK(parse_spec(&s) == PAYLOAD_BAD_LENGTH);
    s.kind = KIND_EXEC;
    CHECK(parse_spec(&s) == PAYLOAD_OK);

    static const uint8_t zip[4] = {1, 2, 3, 4};
    s = spec_proxy();
    s.zip = zip;
    s.zip_len = 4;
    CHECK(parse_spec(&s) == PAYLOAD_BAD_LENGTH);
    s.kind = KIND_EXEC;
    CHECK(parse_spec(&s) == PAYLOAD_BAD_LENGTH);
    s.kind = KIND_SCRIPT;
    CHECK(parse_spec(&s) == PAYLOAD_OK);
}

static void test_payload_size_rules(void)
{
    /* The script payload: 23 + 2 units = 50 bytes of text, so the zip starts at 76. */
    payload_spec s = spec_script();
    size_t size;
    uint8_t *p = encode_payload(&s, &size);
    payload out;
    CHECK(size == 76 + s.zip_len);
    CHECK(payload_parse(p, size, &out) == PAYLOAD_OK);
    /* The zip length field must equal what follows the padding: one more, one less. */
    put_u32le(p + 20, (uint32_t)s.zip_len + 1);
    CHECK(payload_parse(p, size, &out) == PAYLOAD_BAD_LENGTH);
    put_u32le(p + 20, (uint32_t)s.zip_len - 1);
    CHECK(payload_parse(p, size, &out) == PAYLOAD_BAD_LENGTH);
    put_u32le(p + 20, (uint32_t)s.zip_len);
    CHECK(payload_parse(p, size - 1, &out) == PAYLOAD_BAD_LENGTH);
    free(p);

    /* Odd unit counts: the padding is part of the layout, with or without a zip. */
    s = spec_proxy(); /* 13 units: text ends at 50, padded to 52 */
    p = encode_payload(&s, &size);
    CHECK(size == 52);
    CHECK(payload_parse(p, 52, &out) == PAYLOAD_OK);
    CHECK(payload_parse(p, 50, &out) == PAYLOAD_BAD_LENGTH);
    CHECK(payload_parse(p, 51, &out) == PAYLOAD_BAD_LENGTH);
    free(p);
    uint8_t longer[56] = {0};
    p = encode_payload(&s, &size);
    memcpy(longer, p, size);
    CHECK(payload_parse(longer, sizeof longer, &out) == PAYLOAD_BAD_LENGTH); /* bytes after */
    free(p);
}

/* Lengths whose 32-bit sums wrap around: each alone is out of range. */
static void test_payload_huge_lengths(void)
{
    payload_spec s = spec_script();
    size_t size;
    uint8_t *p = encode_payload(&s, &size);
    payload out;
    const uint32_t program = (uint32_t)s.program_len;
    const uint32_t fields[][4] = {
        {0xFFFFFFFFu, 2, 0, 9},
        {0x80000000u, 0x80000000u, 0, 9},
        {program, 0xFFFFFFFFu, 0, 9},
        {0x7FFFFFF4u, 0x0000000Cu, 0, 9}, /* 24 + 2 * sum = 24 mod 2^32 */
        {0x80000001u, 0x7FFFFFFFu, 0, 9}, /* the sum is 0 mod 2^32 */
        {program, 2, 0, 0xFFFFFFFFu},
        {program, 2, 0, 0x80000000u},
        {program, 2, 0, 0xFFFFFFFFu - 75}, /* size - zip if the zip started at 0 */
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        for (int f = 0; f < 4; f++)
            put_u32le(p + 8 + 4 * f, fields[i][f]);
        CHECK(payload_parse(p, size, &out) == PAYLOAD_BAD_LENGTH);
    }
    free(p);

    s = spec_exec();
    p = encode_payload(&s, &size);
    put_u32le(p + 16, 0xFFFFFFFFu);
    CHECK(payload_parse(p, size, &out) == PAYLOAD_BAD_LENGTH);
    put_u32le(p + 16, 0x7FFFFFFFu);
    CHECK(payload_parse(p, size, &out) == PAYLOAD_BAD_LENGTH);
    free(p);
}

static void test_payload_nul_text(void)
{
    bchar program[] = {'a', '.', 'e', 'x', 'e'};
    bchar args[] = {'-', 'x'};
    bchar script[] = {'s', '.', 'j', 's'};
    payload_spec s = spec_exec();
    s.program = program, s.program_len = 5;
    s.args = args, s.args_len = 2;
    s.script = script, s.script_len = 4;
    CHECK(parse_spec(&s) == PAYLOAD_OK);
    program[4] = 0;
    CHECK(parse_spec(&s) == PAYLOAD_BAD_TEXT);
    program[4] = 'e';
    args[0] = 0;
    CHECK(parse_spec(&s) == PAYLOAD_BAD_TEXT);
    args[0] = '-';
    script[3] = 0;
    CHECK(parse_spec(&s) == PAYLOAD_BAD_TEXT);
    /* A unit with one zero byte is not NUL. */
    script[3] = 0x0100;
    CHECK(parse_spec(&s) == PAYLOAD_OK);
    script[3] = 0x0001;
    CHECK(parse_spec(&s) == PAYLOAD_OK);
    /* The padding and the zip may hold zeros. */
    payload_spec z = spec_script();
    CHECK(parse_spec(&z) == PAYLOAD_OK);
}

/* The launcher reads the texts in place as UTF-16 units: a payload at an odd address is refused. */
static void test_payload_misaligned(void)
{
    payload_spec s = spec_exec();
    size_t size;
    uint8_t *bytes = encode_payload(&s, &size);
    uint8_t *odd = malloc(size + 1);
    memcpy(odd + 1, bytes, size);
    payload out;
    CHECK(payload_parse(bytes, size, &out) == PAYLOAD_OK);
    CHECK(payload_parse(odd + 1, size, &out) == PAYLOAD_MISALIGNED);
    free(odd);
    free(bytes);
}

static void test_payload_status_text(void)
{
    for (int st = PAYLOAD_OK; st <= PAYLOAD_MISALIGNED; st++) {
        const char *t = payload_status_text((payload_status)st);
        CHECK(t != NULL && t[0] != 0);
        for (int other = PAYLOAD_OK; other < st; other++)
            CHECK(strcmp(t, payload_status_text((payload_status)other)) != 0);
    }
    CHECK(payload_status_text((payload_status)99) != NULL);
}

/* ---- argv0_end ---------------------------------------------------------------------------- */

static size_t argv0(const bchar *s, size_t n)
{
    /* A copy of exactly n units, so ASan sees any read past the given length. */
    bchar *copy = malloc((n ? n : 1) * sizeof(bchar));
    if (n > 0)
        memcpy(copy, s, n * sizeof(bchar));
    size_t r = argv0_end(copy, n);
    free(copy);
    return r;
}

static void test_argv0_end(void)
{
    CHECK(argv0(U("prog a b")) == 4);
    CHECK(argv0(U("prog")) == 4);
    CHECK(argv0(U("prog ")) == 4);
    CHECK(argv0(U("\"C:\\Program Files\\x.exe\" a")) == 24);
    CHECK(argv0(U("\"C:\\Program Files\\x.exe\"")) == 24);
    CHECK(argv0(U("C:\\\"Program Files\"\\x.exe a")) == 24);
    CHECK(argv0(U("\"a b\"c d")) == 6);
    CHECK(argv0(U("prog\targ")) == 4);
    CHECK(argv0(U("\"a\tb\"\tc")) == 5);
    CHECK(argv0(U("")) == 0);
    CHECK(argv0(NULL, 0) == 0);
    CHECK(argv0(U(" prog")) == 0);
    CHECK(argv0(U("\"abc def")) == 8);          /* unterminated quote: all of it */
    CHECK(argv0(U("\"")) == 1);
    CHECK(argv0(U("a\\\" b")) == 5);            /* no escapes in argv[0]: \" opens quotes */
    CHECK(argv0(U("a\\\" b\" c")) == 6);
    CHECK(argv0(U("a\nb c")) == 3);             /* only space and tab end it */
    CHECK(argv0(U("\"\" x")) == 2);
    /* The length bounds the scan. */
    CHECK(argv0((const bchar *)u"abc def", 2) == 2);
}

/* ---- put_quoted --------------------------------------------------------------------------- */

/* put_quoted(s) as a new buffer written in two passes, checking measuring equals writing. */
static bchar *quoted(const bchar *s, size_t n, size_t *len)
{
    wbuf m = {NULL, 0, 0};
    put_quoted(&m, s, n);
    bchar *out = malloc((m.len ? m.len : 1) * sizeof(bchar));
    wbuf w = {out, m.len, 0};
    put_quoted(&w, s, n);
    CHECK(w.len == m.len);
    *len = w.len;
    return out;
}

/* 1 if both C runtimes' splitters read `q` back, after an argv[0], as exactly `s`. */
static int reads_back(const bchar *q, size_t qn, const bchar *s, size_t n)
{
    bchar *cl = malloc((qn + 2) * sizeof(bchar));
    cl[0] = 'x';
    cl[1] = ' ';
    memcpy(cl + 2, q, qn * sizeof(bchar));
    int ok = 1;
    for (int rules = SPLIT_MSVC; rules <= SPLIT_SHELL32; rules++) {
        split_args a = split_command_line(cl, qn + 2, (split_rules)rules);
        ok &= a.count == 2 && split_arg_is(&a, 1, s, n);
        split_free(&a);
    }
    free(cl);
    return ok;
}

static int quotes_as(const bchar *s, size_t n, const bchar *want, size_t want_n)
{
    size_t len;
    bchar *q = quoted(s, n, &len);
    int ok = units_eq(q, len, want, want_n) && reads_back(q, len, s, n);
    free(q);
    return ok;
}

static void test_put_quoted(void)
{
    CHECK(quotes_as(U(""), U("\"\"")));
    CHECK(quotes_as(U("abc"), U("abc")));
    CHECK(quotes_as(U("a\\b\\"), U("a\\b\\"))); /* no quotes needed: backslashes literal */
    CHECK(quotes_as(U("a b"), U("\"a b\"")));
    CHECK(quotes_as(U("a\tb"), U("\"a\tb\"")));
    CHECK(quotes_as(U("a\nb"), U("\"a\nb\"")));
    CHECK(quotes_as(U("a\vb"), U("\"a\vb\"")));
    CHECK(quotes_as(U("\""), U("\"\\\"\"")));
    CHECK(quotes_as(U("a\"b"), U("\"a\\\"b\"")));
    CHECK(quotes_as(U("a\\\"b"), U("\"a\\\\\\\"b\"")));           /* \" -> \\\" */
    CHECK(quotes_as(U("a\\\\\"b"), U("\"a\\\\\\\\\\\"b\"")));     /* \\" -> \\\\\" */
    CHECK(quotes_as(U("a b\\"), U("\"a b\\\\\"")));              /* before the closing quote */
    CHECK(quotes_as(U("a b\\\\"), U("\"a b\\\\\\\\\"")));
    CHECK(quotes_as(U("C:\\Program Files\\"), U("\"C:\\Program Files\\\\\"")));
    CHECK(quotes_as(U("a\\ b"), U("\"a\\ b\"")));               /* not before a quote */
    CHECK(quotes_as(U("\"\""), U("\"\\\"\\\"\"")));
}

/* Every string of up to 6 units over the characters that matter reads back unchanged. */
static void test_put_quoted_exhaustive(void)
{
    static const bchar alphabet[] = {'a', ' ', '\t', '"', '\\'};
    enum { K = 5, MAX = 6 };
    int all = 1;
    for (size_t n = 0; n <= MAX; n++) {
        size_t total = 1;
        for (size_t i = 0; i < n; i++)
            total *= K;
        for (size_t code = 0; code < total; code++) {
            bchar s[MAX];
            size_t c = code;
            for (size_t i = 0; i < n; i++, c /= K)
                s[i] = alphabet[c % K];
            size_t len;
            bchar *q = quoted(s, n, &len);
            all &= reads_back(q, len, s, n);
            free(q);
        }
    }
    CHECK(all);
}

/* ---- paths -------------------------------------------------------------------------------- */

static void test_path_is_absolute(void)
{
    CHECK(path_is_absolute(U("C:\\x")));
    CHECK(path_is_absolute(U("c:/x")));
    CHECK(path_is_absolute(U("Z:\\")));
    CHECK(path_is_absolute(U("\\\\server\\share\\x")));
    CHECK(path_is_absolute(U("//server/share")));
    CHECK(path_is_absolute(U("\\/x")));
    CHECK(path_is_absolute(U("\\\\?\\C:\\x")));
    CHECK(!path_is_absolute(U("C:")));
    CHECK(!path_is_absolute(U("C:x.exe")));    /* drive-relative */
    CHECK(!path_is_absolute(U("\\x.exe")));    /* rooted on the current drive */
    CHECK(!path_is_absolute(U("python.exe")));
    CHECK(!path_is_absolute(U("..\\python.exe")));
    CHECK(!path_is_absolute(U("")));
    CHECK(!path_is_absolute(U("\\")));
    CHECK(!path_is_absolute(U("1:\\x")));
    CHECK(!path_is_absolute(U("@:\\x")));
    CHECK(!path_is_absolute(U("[:\\x")));
    CHECK(!path_is_absolute(U("`:\\x")));
    CHECK(!path_is_absolute(U("{:\\x")));
    static const bchar wide[] = {0x0143, ':', '\\'}; /* 0x143 | 0x20 is not a letter */
    CHECK(!path_is_absolute(wide, 3));
    /* The length bounds the look. */
    CHECK(!path_is_absolute((const bchar *)u"C:\\x", 2));
    CHECK(!path_is_absolute((const bchar *)u"\\\\x", 1));
}

static void test_path_dir_len(void)
{
    CHECK(path_dir_len(U("C:\\a\\b.exe")) == 4);
    CHECK(path_dir_len(U("C:\\b.exe")) == 2);
    CHECK(path_dir_len(U("C:/a/b/c.exe")) == 6);
    CHECK(path_dir_len(U("C:\\a/b.exe")) == 4);
    CHECK(path_dir_len(U("C:\\a\\")) == 4);
    CHECK(path_dir_len(U("\\\\srv\\share\\x.exe")) == 11);
    CHECK(path_dir_len(U("b.exe")) == 0);
    CHECK(path_dir_len(U("\\b.exe")) == 0);
    CHECK(path_dir_len(U("")) == 0);
}

static bchar *resolved(const bchar *dir, size_t dn, const bchar *rel, size_t rn, size_t *len)
{
    wbuf m = {NULL, 0, 0};
    put_resolved(&m, dir, dn, rel, rn);
    bchar *out = malloc((m.len ? m.len : 1) * sizeof(bchar));
    wbuf w = {out, m.len, 0};
    put_resolved(&w, dir, dn, rel, rn);
    CHECK(w.len == m.len);
    *len = w.len;
    return out;
}

static int resolves_to(const bchar *dir, size_t dn, const bchar *rel, size_t rn, const bchar *want,
                       size_t wn)
{
    size_t len;
    bchar *r = resolved(dir, dn, rel, rn, &len);
    int ok = units_eq(r, len, want, wn);
    free(r);
    return ok;
}

static void test_put_resolved(void)
{
    CHECK(resolves_to(U("C:\\d"), U("python.exe"), U("C:\\d\\python.exe")));
    CHECK(resolves_to(U("C:\\d"), U("..\\py\\python.exe"), U("C:\\d\\..\\py\\python.exe")));
    CHECK(resolves_to(U("C:\\d"), U("C:\\py\\python.exe"), U("C:\\py\\python.exe")));
    CHECK(resolves_to(U("C:\\d"), U("//srv/x.exe"), U("//srv/x.exe")));
    CHECK(resolves_to(U("C:"), U("x.exe"), U("C:\\x.exe"))); /* a launcher in the root */
    /* The folder as the launcher computes it: path_dir_len of its own path. */
    const bchar *self = (const bchar *)u"C:\\Tools\\bin\\black.exe";
    CHECK(resolves_to(self, path_dir_len(self, 22), U("python.exe"),
                      U("C:\\Tools\\bin\\python.exe")));
}

/* ---- put_command_line --------------------------------------------------------------------- */

static bchar *command_line(const command_parts *p, size_t *len)
{
    wbuf m = {NULL, 0, 0};
    put_command_line(&m, p);
    bchar *out = malloc((m.len ? m.len : 1) * sizeof(bchar));
    wbuf w = {out, m.len, 0};
    put_command_line(&w, p);
    CHECK(w.len == m.len);
    *len = w.len;
    return out;
}

static int command_line_is(const command_parts *p, const bchar *want, size_t wn)
{
    size_t len;
    bchar *cl = command_line(p, &len);
    int ok = units_eq(cl, len, want, wn);
    free(cl);
    return ok;
}

static void test_put_command_line(void)
{
    command_parts p = {0};
    SET(p.program, p.program_len, "C:\\Py\\python.exe");
    CHECK(command_line_is(&p, U("C:\\Py\\python.exe")));

    SET(p.program, p.program_len, "C:\\Program Files\\Py\\python.exe");
    CHECK(command_line_is(&p, U("\"C:\\Program Files\\Py\\python.exe\"")));

    SET(p.tail, p.tail_len, " a \"b c\"  \\\"d");
    CHECK(command_line_is(&p, U("\"C:\\Program Files\\Py\\python.exe\" a \"b c\"  \\\"d")));

    SET(p.args, p.args_len, "-E -s");
    CHECK(command_line_is(&p, U("\"C:\\Program Files\\Py\\python.exe\" -E -s a \"b c\"  \\\"d")));

    SET(p.script, p.script_len, "C:\\My Tools\\black.exe");
    CHECK(command_line_is(
        &p, U("\"C:\\Program Files\\Py\\python.exe\" -E -s \"C:\\My Tools\\black.exe\" a \"b c\"  \\\"d")));

    p.args_len = 0; /* empty fixed arguments add no space */
    p.tail_len = 0;
    CHECK(command_line_is(&p, U("\"C:\\Program Files\\Py\\python.exe\" \"C:\\My Tools\\black.exe\"")));

    p.script_len = 0; /* a script path, even empty, is an argument */
    CHECK(command_line_is(&p, U("\"C:\\Program Files\\Py\\python.exe\" \"\"")));

    /* The child reads back program, fixed arguments, script and the caller's arguments. */
    SET(p.args, p.args_len, "-X \"a b\"");
    SET(p.script, p.script_len, "C:\\s\\x.py");
    SET(p.tail, p.tail_len, "\t1 \"2 3\"");
    size_t len;
    bchar *cl = command_line(&p, &len);
    split_args a = split_command_line(cl, len, SPLIT_MSVC);
    CHECK(a.count == 6);
    CHECK(split_arg_is(&a, 0, p.program, p.program_len));
    CHECK(split_arg_is(&a, 1, U("-X")));
    CHECK(split_arg_is(&a, 2, U("a b")));
    CHECK(split_arg_is(&a, 3, p.script, p.script_len));
    CHECK(split_arg_is(&a, 4, U("1")));
    CHECK(split_arg_is(&a, 5, U("2 3")));
    /* argv0_end of the child's line finds the end of the program, as ours did. */
    CHECK(argv0_end(cl, len) == 32);
    split_free(&a);
    free(cl);
}

/* The launcher's own tail, taken by argv0_end, arrives in the child unchanged. */
static void test_tail_is_verbatim(void)
{
    const bchar *own = (const bchar *)u"C:\\\"My Tools\"\\black.exe  --check \"a\\\\\" ^& %x%";
    size_t own_len = bstrlen(own);
    size_t end = argv0_end(own, own_len);
    CHECK(end == 23);
    command_parts p = {0};
    SET(p.program, p.program_len, "C:\\py.exe");
    p.tail = own + end;
    p.tail_len = own_len - end;
    CHECK(command_line_is(&p, U("C:\\py.exe  --check \"a\\\\\" ^& %x%")));
}

/* ---- wbuf ----------------------------------------------------------------------------- */

static void test_wbuf(void)
{
    /* Writing stops at cap but the length counts on: a too-small buffer is never overrun. */
    bchar *small = malloc(3 * sizeof(bchar));
    wbuf w = {small, 3, 0};
    wbuf_put_ascii(&w, "hello");
    CHECK(w.len == 5);
    CHECK(units_eq(small, 3, U("hel")));
    free(small);

    bchar buf[16];
    w = (wbuf){buf, 16, 0};
    static const uint8_t le[] = {'h', 0, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE};
    wbuf_put_le(&w, le, 4);
    static const bchar want[] = {'h', 0x20AC, 0xD83D, 0xDE00};
    CHECK(units_eq(buf, w.len, want, 4));

    w = (wbuf){buf, 16, 0};
    wbuf_put_hex32(&w, 0xC000013Au);
    CHECK(units_eq(buf, w.len, U("0xC000013A")));
    w = (wbuf){buf, 16, 0};
    wbuf_put_hex32(&w, 0);
    CHECK(units_eq(buf, w.len, U("0x00000000")));
    w = (wbuf){buf, 16, 0};
    wbuf_put_hex32(&w, 0xFFFFFFFFu);
    CHECK(units_eq(buf, w.len, U("0xFFFFFFFF")));

    CHECK(bstrlen((const bchar *)u"") == 0);
    CHECK(bstrlen((const bchar *)u"abc") == 3);
}

/* Measuring (cap 0, no buffer) gives the length writing gives, for every writer. */
static void test_wbuf_measure_equals_write(void)
{
    static const uint8_t le[] = {'a', 0, 'b', 0};
    for (int which = 0; which < 5; which++) {
        bchar buf[64];
        wbuf m = {NULL, 0, 0}, w = {buf, 64, 0};
        for (int pass = 0; pass < 2; pass++) {
            wbuf *b = pass ? &w : &m;
            switch (which) {
            case 0: wbuf_put(b, 'x'); break;
            case 1: wbuf_put_units(b, U("units")); break;
            case 2: wbuf_put_le(b, le, 2); break;
            case 3: wbuf_put_ascii(b, "bounce: error: "); break;
            case 4: wbuf_put_hex32(b, 0x1234ABCDu); break;
            }
        }
        CHECK(m.len == w.len);
        CHECK(w.len <= 64);
    }
}

/* ---- fd block ------------------------------------------------------------------------- */

typedef struct {
    uint64_t handles[64];
    size_t count;
} closed_list;

static void record_close(void *ctx, uint64_t handle)
{
    closed_list *c = ctx;
    if (c->count < 64)
        c->handles[c->count] = handle;
    c->count++;
}

/* Walks `size` bytes of `block` (copied to a buffer of exactly that size) and checks the
 * handles closed, in order, are exactly `want`. */
static int closes_exactly(const uint8_t *block, size_t size, size_t pointer_size,
                          const uint64_t *want, size_t want_n)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (size > 0)
        memcpy(copy, block, size);
    closed_list c = {{0}, 0};
    size_t r = fdblock_for_each_owned_handle(copy, size, pointer_size, record_close, &c);
    free(copy);
    if (r != c.count || c.count != want_n)
        return 0;
    for (size_t i = 0; i < want_n; i++)
        if (c.handles[i] != want[i])
            return 0;
    return 1;
}

static const uint64_t NONE[1] = {0};

/* The good block, for a pointer size: fds 0-2 open (ours, skipped), then a mix. */
static size_t good_block(uint8_t *out, size_t ps, int32_t n_override)
{
    uint64_t minus1 = ps == 4 ? 0xFFFFFFFFu : UINT64_MAX, minus2 = minus1 - 1;
    const fd_entry e[] = {
        {0x01 | 0x40, 0x10},         /* 0: stdin, the caller's: never ours to close */
        {0x01 | 0x08, 0x14},         /* 1 */
        {0x01 | 0x40, 0x18},         /* 2 */
        {0x01 | 0x08, 0x104},        /* 3: a pipe: closed */
        {0x01, 0},                   /* 4: NULL: not inherited */
        {0x01, minus1},              /* 5: -1: not inherited */
        {0x01 | 0x40, minus2},       /* 6: -2: no console */
        {0x08, 0x208},               /* 7: not FOPEN: the value means nothing */
        {0x00, 0x20C},               /* 8: not FOPEN */
        {0x01 | 0x80 | 0x20, 0x310}, /* 9: a file: closed */
        {0xFE, 0x314},               /* 10: every flag but FOPEN */
        {0xFF, 0x318},               /* 11: every flag: closed */
    };
    return encode_fdblock(out, n_override, e, sizeof e / sizeof e[0], ps);
}

static void test_fdblock_good(void)
{
    for (size_t ps = 4; ps <= 8; ps += 4) {
        uint8_t b[256] = {0};
        size_t size = good_block(b, ps, 12);
        CHECK(size == 4 + 12 + 12 * ps);
        static const uint64_t want[] = {0x104, 0x310, 0x318};
        CHECK(closes_exactly(b, size, ps, want, 3));
        CHECK(closes_exactly(b, size + 17, ps, want, 3));   /* a larger cbReserved2 is fine */
        CHECK(!closes_exactly(b, size - 1, ps, want, 3));   /* one byte short: nothing */
        CHECK(closes_exactly(b, size - 1, ps, NONE, 0));
        /* Fewer fds: only those. N = 4 makes the handles start at an unaligned offset 8. */
        size = good_block(b, ps, 4);
        CHECK(closes_exactly(b, size, ps, want, 1));
        CHECK(closes_exactly(b, size - 1, ps, NONE, 0));
        size = good_block(b, ps, 3);
        CHECK(closes_exactly(b, size, ps, NONE, 0));        /* fds 0-2 only */
        size = good_block(b, ps, 11);                        /* odd N: unaligned handles */
        CHECK(closes_exactly(b, size, ps, want, 2));
        CHECK(closes_exactly(b, size - 1, ps, NONE, 0));
        /* A wrong pointer size closes nothing. */
        CHECK(closes_exactly(b, size, 2, NONE, 0));
        CHECK(closes_exactly(b, size, 0, NONE, 0));
    }
}

/* Handles are pointer-sized: read all 8 bytes on 64-bit, and only -1/-2 sign-extended count
 * as "not inherited" / "no console". */
static void test_fdblock_handle_width(void)
{
    const fd_entry e[] = {{1, 0}, {1, 0}, {1, 0},
                          {1, 0x0000000100000004ull}, /* high half set: a different handle */
                          {1, 0x00000000FFFFFFFFull}, /* not -1 on 64-bit */
                          {1, 0xFFFFFFFF00000008ull}};
    uint8_t b[128];
    size_t size = encode_fdblock(b, 6, e, 6, 8);
    static const uint64_t want8[] = {0x0000000100000004ull, 0x00000000FFFFFFFFull,
                                     0xFFFFFFFF00000008ull};
    CHECK(closes_exactly(b, size, 8, want8, 3));
    /* The same values in a 4-byte block: the low halves; 0xFFFFFFFF is -1 there. */
    size = encode_fdblock(b, 6, e, 6, 4);
    static const uint64_t want4[] = {4, 8};
    CHECK(closes_exactly(b, size, 4, want4, 2));
}

static void test_fdblock_hostile_counts(void)
{
    for (size_t ps = 4; ps <= 8; ps += 4) {
        uint8_t b[512] = {0};
        size_t size = good_block(b, ps, 12);
        uint8_t big[512];
        memset(big, 0x01, sizeof big); /* every fd "open", every handle 0x0101... */
        put_u32le(b, 13); /* one more fd than the block holds */
        CHECK(closes_exactly(b, size, ps, NONE, 0));
        /* Counts whose size 4 + N * (1 + pointer size) wraps in 32 bits to less than the
         * block: 4 + 0x33333333 * 5 is 3 and 4 + 0x1C71C71C * 9 is 0 (mod 2^32). */
        static const int32_t counts[] = {1000, 0x7FFFFFFF, 0x40000000, 0x20000000, 0x33333333,
                                         0x33333334, 0x1C71C71C, 0x1C71C71D, -1, -2, -5,
                                         INT32_MIN};
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
            put_u32le(b, (uint32_t)counts[i]);
            CHECK(closes_exactly(b, size, ps, NONE, 0));
            put_u32le(big, (uint32_t)counts[i]);
            CHECK(closes_exactly(big, sizeof big, ps, NONE, 0));
            /* The largest cbReserved2 there is: a 16-bit field. */
            uint8_t *max = calloc(65535, 1);
            put_u32le(max, (uint32_t)counts[i]);
            CHECK(closes_exactly(max, 65535, ps, NONE, 0));
            free(max);
        }
        /* The most fds that fit the largest block. */
        size_t n = (65535 - 4) / (1 + ps);
        uint8_t *max = calloc(65535, 1);
        put_u32le(max, (uint32_t)n);
        max[4 + n - 1] = 0x01;
        max[4 + n + (n - 1) * ps] = 0x40;
        static const uint64_t last[] = {0x40};
        CHECK(closes_exactly(max, 65535, ps, last, 1));
        put_u32le(max, (uint32_t)n + 1);
        CHECK(closes_exactly(max, 65535, ps, NONE, 0));
        free(max);
    }
}

/* The check the GUI stub makes before it loads user32 (whose C runtime trusts the block). */
static void test_fdblock_is_well_formed(void)
{
    for (size_t ps = 4; ps <= 8; ps += 4) {
        uint8_t b[512] = {0};
        size_t size = good_block(b, ps, 12);
        CHECK(fdblock_is_well_formed(b, size, ps));
        CHECK(!fdblock_is_well_formed(b, size - 1, ps)); /* one byte short */
        CHECK(!fdblock_is_well_formed(NULL, size, ps));
        CHECK(!fdblock_is_well_formed(b, 3, ps));
        put_u32le(b, 0);
        CHECK(fdblock_is_well_formed(b, 4, ps)); /* no fds: a Cygwin-style block passes */
        static const int32_t bad[] = {13, 0x7FFFFFFF, 0x33333333, 0x1C71C71C, -1, -5, INT32_MIN};
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            put_u32le(b, (uint32_t)bad[i]);
            CHECK(!fdblock_is_well_formed(b, size, ps));
        }
    }
    CHECK(!fdblock_is_well_formed((const uint8_t *)"\0\0\0\0", 4, 6)); /* no such pointer size */
}

static void test_fdblock_small_and_foreign(void)
{
    uint8_t zero[8] = {0};
    for (size_t ps = 4; ps <= 8; ps += 4) {
        for (size_t size = 0; size < 4; size++)
            CHECK(closes_exactly(zero, size, ps, NONE, 0));
        CHECK(fdblock_for_each_owned_handle(NULL, 64, ps, record_close, NULL) == 0);
        /* N = 0 exactly fits 4 bytes. */
        CHECK(closes_exactly(zero, 4, ps, NONE, 0));
        /* Cygwin/MSYS2: their own structure, first int 0, then anything. */
        uint8_t cyg[64];
        memset(cyg, 0x01, sizeof cyg);
        put_u32le(cyg, 0);
        CHECK(closes_exactly(cyg, sizeof cyg, ps, NONE, 0));
    }
}

/* ---- runner --------------------------------------------------------------------------- */

typedef struct {
    const char *name;
    void (*fn)(void);
} test_case;

#define T(name) {#name, name}
static const test_case tests[] = {
    T(test_payload_valid),
    T(test_payload_length_limits),
    T(test_payload_truncated),
    T(test_payload_header_fields),
    T(test_payload_kind_rules),
    T(test_payload_size_rules),
    T(test_payload_huge_lengths),
    T(test_payload_nul_text),
    T(test_payload_misaligned),
    T(test_payload_status_text),
    T(test_argv0_end),
    T(test_put_quoted),
    T(test_put_quoted_exhaustive),
    T(test_path_is_absolute),
    T(test_path_dir_len),
    T(test_put_resolved),
    T(test_put_command_line),
    T(test_tail_is_verbatim),
    T(test_wbuf),
    T(test_wbuf_measure_equals_write),
    T(test_fdblock_good),
    T(test_fdblock_handle_width),
    T(test_fdblock_hostile_counts),
    T(test_fdblock_is_well_formed),
    T(test_fdblock_small_and_foreign),
};

int main(void)
{
    unsigned passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        g_failures_in_test = 0;
        tests[i].fn();
        if (g_failures_in_test == 0) {
            passed++;
            printf("ok %s\n", tests[i].name);
        } else {
            failed++;
            printf("FAIL %s (%d checks failed)\n", tests[i].name, g_failures_in_test);
        }
    }
    printf("%u checks\n%u passed, %u failed\n", g_checks, passed, failed);
    return failed == 0 ? 0 : 1;
}
