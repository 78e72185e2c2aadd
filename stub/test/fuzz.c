/*
 * fuzz.c - libFuzzer target for the stub's pure logic: every input goes to the payload
 * decoder, to the fd-block walker at both pointer sizes, and, read as UTF-16 units, to the
 * command-line code. Each result is checked against invariants and an independent reference,
 * so a wrong answer aborts as surely as an out-of-bounds read (run-fuzz.sh adds ASan/UBSan).
 *
 * Built with -DBOUNCE_FUZZ_SEEDS and a plain compiler instead, this file is the seed-corpus
 * generator: `seeds DIR` writes valid payloads, fd blocks and command lines into DIR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define REQUIRE(cond)                                                                      \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);    \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

static int inside(const uint8_t *p, size_t n, const uint8_t *base, size_t size)
{
    return p >= base && n <= size && (size_t)(p - base) <= size - n;
}

/* ---- payload -------------------------------------------------------------------------- */

static void fuzz_payload(const uint8_t *data, size_t size)
{
    payload out;
    payload_status st = payload_parse(data, size, &out);
    REQUIRE(st >= PAYLOAD_OK && st <= PAYLOAD_MISALIGNED);
    REQUIRE(payload_status_text(st) != NULL);
    if (st != PAYLOAD_OK) {
        REQUIRE(st != PAYLOAD_TRUNCATED || size < PAYLOAD_HEADER_SIZE);
        return;
    }
    REQUIRE(size >= PAYLOAD_HEADER_SIZE && memcmp(data, "BNCE", 4) == 0);
    REQUIRE(out.kind >= KIND_SCRIPT && out.kind <= KIND_EXEC);
    REQUIRE((out.flags & ~FLAG_ALLOW_BREAKAWAY) == 0);
    REQUIRE(out.program.len >= 1 && out.program.len < BOUNCE_MAX_COMMAND_LINE);
    REQUIRE(out.args.len < BOUNCE_MAX_COMMAND_LINE && out.script.len < BOUNCE_MAX_COMMAND_LINE);
    REQUIRE(out.kind == KIND_EXEC || out.script.len == 0);
    REQUIRE(out.kind == KIND_SCRIPT || out.zip_size == 0);
    /* The texts are consecutive views inside the input, then padding, then the zip. */
    REQUIRE(out.program.units == data + PAYLOAD_HEADER_SIZE);
    REQUIRE(out.args.units == out.program.units + 2 * (size_t)out.program.len);
    REQUIRE(out.script.units == out.args.units + 2 * (size_t)out.args.len);
    size_t text_end = (size_t)(out.script.units - data) + 2 * (size_t)out.script.len;
    REQUIRE(inside(out.program.units, 2 * (size_t)out.program.len, data, size));
    REQUIRE(inside(out.script.units, 2 * (size_t)out.script.len, data, size));
    REQUIRE(text_end + (4 - text_end % 4) % 4 + out.zip_size == size);
    const le_text texts[3] = {out.program, out.args, out.script};
    for (int t = 0; t < 3; t++)
        for (uint32_t i = 0; i < texts[t].len; i++)
            REQUIRE(texts[t].units[2 * i] != 0 || texts[t].units[2 * i + 1] != 0);
}

/* ---- fd block ------------------------------------------------------------------------- */

typedef struct {
    const uint8_t *block;
    size_t size, pointer_size, calls;
    uint64_t expected[64];
    size_t expected_n; /* handles the reference walk found (at most 64 recorded) */
} fd_check;

/* The reference: the rule in fdblock.h, with the size check in 64-bit arithmetic where the
 * input (< 2^32 bytes) cannot overflow it. */
static void reference_walk(fd_check *c)
{
    c->expected_n = 0;
    if (c->size < 4)
        return;
    int32_t n = (int32_t)((uint32_t)c->block[0] | (uint32_t)c->block[1] << 8 |
                          (uint32_t)c->block[2] << 16 | (uint32_t)c->block[3] << 24);
    if (n < 0 || 4 + (uint64_t)n * (1 + c->pointer_size) > c->size)
        return;
    for (int32_t fd = 3; fd < n; fd++) {
        if (!(c->block[4 + fd] & FD_FLAG_OPEN))
            continue;
        uint64_t h = 0;
        for (size_t b = 0; b < c->pointer_size; b++)
            h |= (uint64_t)c->block[4 + n + (size_t)fd * c->pointer_size + b] << (8 * b);
        if (c->pointer_size == 4 && (h & 0x80000000u))
            h |= 0xFFFFFFFF00000000ull;
        if (h == 0 || h == UINT64_MAX || h == UINT64_MAX - 1)
            continue;
        if (c->expected_n < 64)
            c->expected[c->expected_n] = h;
        c->expected_n++;
    }
}

static void check_close(void *ctx, uint64_t handle)
{
    fd_check *c = ctx;
    /* Never the values that mean "not inherited" or "no console". */
    REQUIRE(handle != 0 && handle != UINT64_MAX && handle != UINT64_MAX - 1);
    REQUIRE(c->calls < c->expected_n);
    if (c->calls < 64)
        REQUIRE(handle == c->expected[c->calls]);
    c->calls++;
}

static void fuzz_fdblock(const uint8_t *data, size_t size)
{
    for (size_t ps = 4; ps <= 8; ps += 4) {
        fd_check c = {data, size, ps, 0, {0}, 0};
        reference_walk(&c);
        size_t r = fdblock_for_each_owned_handle(data, size, ps, check_close, &c);
        REQUIRE(r == c.calls && r == c.expected_n);
        /* The check the GUI stub makes before loading user32, against the reference's. */
        int32_t n = size < 4 ? -1 : (int32_t)((uint32_t)data[0] | (uint32_t)data[1] << 8 |
                                              (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24);
        int sane = n >= 0 && 4 + (uint64_t)n * (1 + ps) <= size;
        REQUIRE(fdblock_is_well_formed(data, size, ps) == sane);
    }
}

/* ---- command line --------------------------------------------------------------------- */

/* Renders with a measuring pass and a writing pass into a buffer of exactly the measured
 * size, and requires both to agree (the launcher allocates once from the first). */
#define RENDER(out, out_len, call)                                                         \
    do {                                                                                   \
        wbuf m_ = {NULL, 0, 0};                                                            \
        {                                                                                  \
            wbuf *w_ = &m_;                                                                \
            call;                                                                          \
        }                                                                                  \
        (out) = malloc((m_.len ? m_.len : 1) * sizeof(bchar));                             \
        REQUIRE((out) != NULL);                                                            \
        wbuf b_ = {(out), m_.len, 0};                                                      \
        {                                                                                  \
            wbuf *w_ = &b_;                                                                \
            call;                                                                          \
        }                                                                                  \
        REQUIRE(b_.len == m_.len);                                                         \
        (out_len) = b_.len;                                                                \
    } while (0)

static int has_unit(const bchar *s, size_t n, bchar c)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == c)
            return 1;
    return 0;
}

static void fuzz_argv0(const bchar *cl, size_t n)
{
    size_t end = argv0_end(cl, n);
    REQUIRE(end <= n);
    /* Before the end, every space or tab is inside quotes; the end is one outside them. */
    int quoted = 0;
    for (size_t i = 0; i < end; i++) {
        if (cl[i] == '"')
            quoted = !quoted;
        else
            REQUIRE(quoted || (cl[i] != ' ' && cl[i] != '\t'));
    }
    REQUIRE(end == n || (!quoted && (cl[end] == ' ' || cl[end] == '\t')));
}

static void fuzz_quoted(const bchar *s, size_t n)
{
    bchar *q;
    size_t qn;
    RENDER(q, qn, put_quoted(w_, s, n));
    REQUIRE(qn >= n);
    /* No quoting needed: the argument is copied as it is. */
    if (qn == n)
        REQUIRE(n > 0 && memcmp(q, s, n * sizeof(bchar)) == 0);
    /* Both C runtimes read it back as one argument equal to s. */
    bchar *cl = malloc((qn + 2) * sizeof(bchar));
    REQUIRE(cl != NULL);
    cl[0] = 'x';
    cl[1] = ' ';
    memcpy(cl + 2, q, qn * sizeof(bchar));
    for (int rules = SPLIT_MSVC; rules <= SPLIT_SHELL32; rules++) {
        split_args a = split_command_line(cl, qn + 2, (split_rules)rules);
        REQUIRE(a.count == 2 && split_arg_is(&a, 1, s, n));
        split_free(&a);
    }
    free(cl);
    free(q);
}

static void fuzz_paths(const bchar *s, size_t n, size_t cut)
{
    size_t dir = path_dir_len(s, n);
    REQUIRE(dir <= n);
    if (dir > 0 || (n > 0 && (s[0] == '\\' || s[0] == '/')))
        REQUIRE(s[dir] == '\\' || s[dir] == '/');
    for (size_t i = dir + 1; i < n; i++)
        REQUIRE(s[i] != '\\' && s[i] != '/');

    /* Resolve the second part against the first as a folder. */
    const bchar *rel = s + cut;
    size_t rel_n = n - cut;
    bchar *r;
    size_t rn;
    RENDER(r, rn, put_resolved(w_, s, cut, rel, rel_n));
    if (path_is_absolute(rel, rel_n)) {
        REQUIRE(rn == rel_n && (rn == 0 || memcmp(r, rel, rn * sizeof(bchar)) == 0));
    } else {
        REQUIRE(rn == cut + 1 + rel_n && r[cut] == '\\');
        REQUIRE(cut == 0 || memcmp(r, s, cut * sizeof(bchar)) == 0);
        REQUIRE(rel_n == 0 || memcmp(r + cut + 1, rel, rel_n * sizeof(bchar)) == 0);
    }
    free(r);
}

/* Splits the units into program | args | script | caller's command line at positions taken
 * from the first units, assembles the child's line, and checks its parts. */
static void fuzz_command_line(const bchar *u, size_t n)
{
    if (n < 3)
        return;
    size_t rest = n - 3;
    size_t a = u[0] % (rest + 1), b = a + u[1] % (rest - a + 1), c = b + u[2] % (rest - b + 1);
    const bchar *body = u + 3;
    command_parts p = {0};
    p.program = body, p.program_len = a;
    p.args = body + a, p.args_len = b - a;
    int with_script = u[2] & 1;
    p.script = with_script ? body + b : NULL, p.script_len = c - b;
    const bchar *own = body + c;
    size_t own_n = rest - c, end = argv0_end(own, own_n);
    p.tail = own + end, p.tail_len = own_n - end;

    bchar *cl, *prog_q;
    size_t len, prog_n;
    RENDER(cl, len, put_command_line(w_, &p));
    RENDER(prog_q, prog_n, put_quoted(w_, p.program, p.program_len));
    /* The line starts with the quoted program and ends with the tail, verbatim. */
    REQUIRE(len >= prog_n + p.tail_len);
    REQUIRE(memcmp(cl, prog_q, prog_n * sizeof(bchar)) == 0);
    REQUIRE(p.tail_len == 0 ||
            memcmp(cl + len - p.tail_len, p.tail, p.tail_len * sizeof(bchar)) == 0);
    /* A program path with no quote in it (every real path) is argv[0] for the child, and
     * argv0_end of the child's line finds exactly where it ends. */
    if (!has_unit(p.program, a, '"') && (prog_n == a || a == 0 || p.program[a - 1] != '\\')) {
        split_args s = split_command_line(cl, len, SPLIT_MSVC);
        REQUIRE(split_arg_is(&s, 0, p.program, a));
        split_free(&s);
        if (len > prog_n)
            REQUIRE(argv0_end(cl, len) == prog_n);
    }
    free(prog_q);
    free(cl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_payload(data, size);
    fuzz_fdblock(data, size);

    /* The same bytes as UTF-16LE units, copied to a buffer of exactly that many units. */
    size_t n = size / 2;
    bchar *u = malloc((n ? n : 1) * sizeof(bchar));
    if (u == NULL)
        return 0;
    for (size_t i = 0; i < n; i++)
        u[i] = (bchar)(data[2 * i] | data[2 * i + 1] << 8);
    fuzz_argv0(u, n);
    if (n <= 4096) /* the re-parse is quadratic in nothing, but keep each run short */
        fuzz_quoted(u, n);
    fuzz_paths(u, n, n > 0 ? u[0] % (n + 1) : 0);
    fuzz_command_line(u, n);
    free(u);
    return 0;
}

#ifdef BOUNCE_FUZZ_SEEDS
/* ---- seed corpus ---------------------------------------------------------------------- */

static const char *g_dir;
static int g_seed;

static void write_seed(const void *bytes, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/seed-%03d", g_dir, g_seed++);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(bytes, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void seed_payload(uint8_t kind, uint8_t flags, const char *program, const char *args,
                         const char *script, size_t zip_len)
{
    bchar t[3][256];
    const char *s[3] = {program, args, script};
    size_t lens[3];
    for (int i = 0; i < 3; i++) {
        lens[i] = strlen(s[i]);
        for (size_t k = 0; k < lens[i]; k++)
            t[i][k] = (bchar)(unsigned char)s[i][k];
    }
    uint8_t zip[64];
    for (size_t i = 0; i < sizeof zip; i++)
        zip[i] = (uint8_t)(i * 7);
    payload_spec spec = {kind, flags, t[0], t[1], t[2], lens[0], lens[1], lens[2], zip, zip_len};
    size_t size;
    uint8_t *p = encode_payload(&spec, &size);
    write_seed(p, size);
    free(p);
}

static void seed_units(const char *s)
{
    uint8_t b[1024];
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        b[2 * i] = (uint8_t)s[i], b[2 * i + 1] = 0;
    write_seed(b, 2 * n);
}

static void seed_fdblock(int32_t n, size_t ps)
{
    fd_entry e[8] = {{1, 0x10}, {9, 0x14}, {0x41, 0x18}, {9, 0x104}, {1, 0}, {1, UINT64_MAX},
                     {0x41, UINT64_MAX - 1}, {8, 0x20C}};
    uint8_t b[128];
    size_t size = encode_fdblock(b, n, e, 8, ps);
    write_seed(b, size);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: seeds DIR\n");
        return 2;
    }
    g_dir = argv[1];
    seed_payload(KIND_SCRIPT, 0, "C:\\Python312\\python.exe", "", "", 22);
    seed_payload(KIND_SCRIPT, 1, "..\\python.exe", "-E -s", "", 63);
    seed_payload(KIND_PROXY, 0, "C:\\Program Files\\Python\\python.exe", "", "", 0);
    seed_payload(KIND_PROXY, 1, "python.exe", "-X utf8", "", 0);
    seed_payload(KIND_EXEC, 0, "node.exe", "--enable-source-maps", "..\\lib\\tsc.js", 0);
    seed_payload(KIND_EXEC, 1, "C:\\Windows\\System32\\cmd.exe", "/d /c", "", 0);
    for (int32_t n = 3; n <= 8; n++) {
        seed_fdblock(n, 4);
        seed_fdblock(n, 8);
    }
    seed_units("C:\\\"Program Files\"\\x.exe a \"b c\" d\\\\\"e");
    seed_units("\"C:\\My Tools\\black.exe\"\t--check \"a b\\\\\"");
    seed_units("prog \"\" \\\\\\\" \"a\"\"b\"");
    seed_units("\x05\x03\x07\\\\server\\share\\py.exe\\ C:\\x\\y");
    seed_units("\x01\x02\x03 a\\\"b \"c d\" e\\ f\\\\");
    return 0;
}
#endif
