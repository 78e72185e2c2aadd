/*
 * harness.c - starts a Windows program with CreateProcessW for the Bounce tests
 * and writes what happened as JSON (UTF-8, atomically) to OUT.
 *
 * Wine shows Linux only 8 bits of a Windows exit status; this program reports
 * the full 32-bit GetExitCodeProcess value, and gives the tests control over
 * exactly what CreateProcessW receives.
 *
 * Arguments. OUT and PIDFILE are plain Windows paths. APPHEX, CMDHEX, CWDHEX are
 * the hex of the exact UTF-16LE bytes (no NUL) so no argument splitting or code
 * page can alter them; "-" stands for NULL (APP NULL lets CreateProcessW search).
 * BLOCKHEX is the hex of the raw fd block; "" or "-" means no block.
 *
 *   harness exec    OUT APPHEX CMDHEX [CWDHEX]
 *       -> {"exitCode": u32, "ms": n, "pid": n}
 *   harness fdblock OUT BLOCKHEX APPHEX CMDHEX
 *       Creates a pipe (write end inheritable, read end not), replaces every
 *       unaligned 8-byte little-endian occurrence of PIPE_SENTINEL ("PIPEPIPE")
 *       in the block with the write handle's value, then every unaligned 4-byte
 *       little-endian occurrence of PIPE_SENTINEL_32 ("PIP4") with the same value
 *       truncated to 32 bits (the handle slots of a 32-bit CRT's block: handle
 *       values fit in 32 bits by design, and a 32-bit child under WoW64 sees the
 *       same value), passes the block as cbReserved2 / lpReserved2, closes its
 *       own write end and reads to EOF. A 64-bit harness can so hand a pipe to a
 *       32-bit launcher.
 *       -> {"exitCode","dataHex","eofMs","aliveAtEof","exitMs","timedOut",
 *           "sentinelsPatched" (8-byte + 4-byte), "sentinelsPatched32" (4-byte),...}
 *   harness kill    OUT PIDFILE APPHEX CMDHEX
 *       Waits until PIDFILE holds two pids (child, grandchild), terminates the
 *       started process with code 1, waits up to 1000 ms for each pid.
 *       -> {"childGone","grandchildGone","childMs","grandchildMs",...}
 *
 * In every mode the child is started with bInheritHandles TRUE (inside a job of the
 * harness's when HARNESS_JOB=1 is set), the harness
 * survives Ctrl-C / Ctrl-Break (handler returning TRUE), and a failure is
 * reported as {"error": "...", "lastError": n}. Exit status: 0 report written,
 * 2 usage, 3 report written but the operation failed, 4 report not writable.
 */
#include "common.h"

/* "PIPEPIPE" read as a little-endian u64; keep equal to PIPE_SENTINEL in test/support/wine.ts */
#define PIPE_SENTINEL 0x4550495045504950ull
/* "PIP4" read as a little-endian u32; keep equal to PIPE_SENTINEL_32 in test/support/wine.ts */
#define PIPE_SENTINEL_32 0x34504950ull
#define FDBLOCK_TIMEOUT_MS 30000
#define PIDFILE_TIMEOUT_MS 30000
#define KILL_WAIT_MS 1000
#define TIMEOUT_EXIT_CODE 0xDEADu

/* ---- common -------------------------------------------------------------------- */

static BOOL WINAPI survive_ctrl(DWORD type)
{
    return type == CTRL_C_EVENT || type == CTRL_BREAK_EVENT;
}

static int usage(void)
{
    static const char text[] =
        "usage: harness exec OUT APPHEX CMDHEX [CWDHEX]\n"
        "       harness fdblock OUT BLOCKHEX APPHEX CMDHEX\n"
        "       harness kill OUT PIDFILE APPHEX CMDHEX\n";
    DWORD done = 0;
    WriteFile(GetStdHandle(STD_ERROR_HANDLE), text, sizeof text - 1, &done, NULL);
    return 2;
}

static int finish(const wchar_t *out, Buf *b, int status)
{
    BOOL ok = write_file_atomic(out, b);
    free(b->p);
    return ok ? status : 4;
}

static int report_error(const wchar_t *out, const char *what, DWORD err)
{
    Buf b = {0};
    buf_str(&b, "{\"error\": ");
    buf_json_utf8(&b, what, strlen(what));
    buf_str(&b, ", \"lastError\": ");
    buf_u64(&b, err);
    buf_str(&b, "}\n");
    return finish(out, &b, 3);
}

/* With HARNESS_JOB=1 in the environment, the started program runs inside a job of the
 * harness's (created suspended, assigned, resumed), as under a CI runner or a service manager
 * that puts what it starts in a job. The job handle is left open (the harness exits soon after). */
static BOOL start(wchar_t *app, wchar_t *cmd, wchar_t *cwd, STARTUPINFOW *si,
                  PROCESS_INFORMATION *pi)
{
    wchar_t mode[4];
    DWORD n = GetEnvironmentVariableW(L"HARNESS_JOB", mode, 4);
    si->cb = sizeof *si;
    if (n != 1 || mode[0] != L'1')
        return CreateProcessW(app, cmd, NULL, NULL, TRUE, 0, NULL, cwd, si, pi);
    HANDLE job = CreateJobObjectW(NULL, NULL);
    if (job == NULL ||
        !CreateProcessW(app, cmd, NULL, NULL, TRUE, CREATE_SUSPENDED, NULL, cwd, si, pi))
        return FALSE;
    if (!AssignProcessToJobObject(job, pi->hProcess)) {
        TerminateProcess(pi->hProcess, 1);
        return FALSE;
    }
    ResumeThread(pi->hThread);
    return TRUE;
}

static DWORD exit_code_of(HANDLE proc)
{
    DWORD code = 0;
    if (!GetExitCodeProcess(proc, &code)) code = 0xFFFFFFFFu;
    return code;
}

/* Waits for proc until deadline_ms (now_ms() clock); kills it on timeout. */
static BOOL wait_or_kill(HANDLE proc, long long deadline_ms)
{
    long long left = deadline_ms - now_ms();
    if (WaitForSingleObject(proc, left > 0 ? (DWORD)left : 0) == WAIT_OBJECT_0) return TRUE;
    TerminateProcess(proc, TIMEOUT_EXIT_CODE);
    WaitForSingleObject(proc, 5000);
    return FALSE;
}

static void json_ms_or_null(Buf *b, long long ms)
{
    if (ms < 0) buf_str(b, "null");
    else buf_i64(b, ms);
}

/* ---- exec ---------------------------------------------------------------------- */

static int cmd_exec(int argc, wchar_t **argv)
{
    if (argc != 5 && argc != 6) return usage();
    const wchar_t *out = argv[2];
    BOOL ok1, ok2, ok3 = TRUE;
    wchar_t *app = hex_to_wide_or_null(argv[3], &ok1);
    wchar_t *cmd = hex_to_wide_or_null(argv[4], &ok2);
    wchar_t *cwd = argc == 6 ? hex_to_wide_or_null(argv[5], &ok3) : NULL;
    if (!ok1 || !ok2 || !ok3) return report_error(out, "malformed hex argument", 0);

    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    memset(&si, 0, sizeof si);
    long long t0 = now_ms();
    if (!start(app, cmd, cwd, &si, &pi)) return report_error(out, "CreateProcessW", GetLastError());
    CloseHandle(pi.hThread);
    WaitForSingleObject(pi.hProcess, INFINITE);
    long long ms = now_ms() - t0;

    Buf b = {0};
    buf_str(&b, "{\"exitCode\": ");
    buf_u64(&b, exit_code_of(pi.hProcess));
    buf_str(&b, ", \"ms\": ");
    buf_i64(&b, ms);
    buf_str(&b, ", \"pid\": ");
    buf_u64(&b, pi.dwProcessId);
    buf_str(&b, "}\n");
    CloseHandle(pi.hProcess);
    return finish(out, &b, 0);
}

/* ---- fdblock ------------------------------------------------------------------- */

typedef struct {
    HANDLE read_end;
    HANDLE proc;
    long long t0;
    Buf data;
    long long eof_ms;   /* -1 until EOF */
    BOOL alive_at_eof;
    DWORD eof_error;
} PipeReader;

/* Replaces each unaligned `width`-byte (8 or 4) LE occurrence of `sentinel` with the low
 * `width` bytes of value; returns the count. */
static int patch_sentinel(unsigned char *block, size_t n, int width,
                          unsigned long long sentinel, unsigned long long value)
{
    int count = 0;
    for (size_t i = 0; i + (size_t)width <= n; i++) {
        unsigned long long v = 0;
        for (int k = width - 1; k >= 0; k--) v = (v << 8) | block[i + k];
        if (v != sentinel) continue;
        for (int k = 0; k < width; k++) block[i + k] = (unsigned char)(value >> (8 * k));
        count++;
        i += (size_t)width - 1;
    }
    return count;
}

static DWORD WINAPI read_to_eof(LPVOID arg)
{
    PipeReader *r = (PipeReader *)arg;
    char chunk[4096];
    DWORD got = 0;
    while (ReadFile(r->read_end, chunk, sizeof chunk, &got, NULL) && got > 0)
        buf_put(&r->data, chunk, got);
    r->eof_error = GetLastError();
    r->alive_at_eof = WaitForSingleObject(r->proc, 0) == WAIT_TIMEOUT;
    r->eof_ms = now_ms() - r->t0;
    return 0;
}

static BOOL make_pipe(HANDLE *read_end, HANDLE *write_end)
{
    SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE };
    if (!CreatePipe(read_end, write_end, &sa, 0)) return FALSE;
    return SetHandleInformation(*read_end, HANDLE_FLAG_INHERIT, 0);
}

static void report_fdblock(Buf *b, const PipeReader *r, DWORD code, long long exit_ms,
                           BOOL timed_out, int patched, int patched32, size_t block_len,
                           HANDLE write_end)
{
    buf_str(b, "{\"exitCode\": ");
    buf_u64(b, code);
    buf_str(b, ", \"dataHex\": \"");
    buf_hex(b, r->data.p ? r->data.p : "", r->data.len);
    buf_str(b, "\", \"eofMs\": ");
    json_ms_or_null(b, r->eof_ms);
    buf_str(b, ", \"aliveAtEof\": ");
    buf_bool(b, r->eof_ms >= 0 && r->alive_at_eof);
    buf_str(b, ", \"eofError\": ");
    buf_u64(b, r->eof_error);
    buf_str(b, ", \"exitMs\": ");
    json_ms_or_null(b, exit_ms);
    buf_str(b, ", \"timedOut\": ");
    buf_bool(b, timed_out);
    buf_str(b, ", \"sentinelsPatched\": ");
    buf_i64(b, patched);
    buf_str(b, ", \"sentinelsPatched32\": ");
    buf_i64(b, patched32);
    buf_str(b, ", \"blockLength\": ");
    buf_u64(b, block_len);
    buf_str(b, ", \"pipeHandle\": ");
    buf_u64(b, (unsigned long long)(uintptr_t)write_end);
    buf_str(b, "}\n");
}

static int cmd_fdblock(int argc, wchar_t **argv)
{
    if (argc != 6) return usage();
    const wchar_t *out = argv[2];
    size_t block_len = 0;
    unsigned char *block = NULL;
    if (wcscmp(argv[3], L"-") != 0 && argv[3][0]) {
        block = hex_decode(argv[3], &block_len);
        if (!block) return report_error(out, "malformed BLOCKHEX", 0);
        if (block_len > 0xFFFF) return report_error(out, "block longer than 65535 bytes", 0);
    }
    BOOL ok1, ok2;
    wchar_t *app = hex_to_wide_or_null(argv[4], &ok1);
    wchar_t *cmd = hex_to_wide_or_null(argv[5], &ok2);
    if (!ok1 || !ok2) return report_error(out, "malformed hex argument", 0);

    PipeReader r;
    memset(&r, 0, sizeof r);
    r.eof_ms = -1;
    HANDLE write_end;
    if (!make_pipe(&r.read_end, &write_end)) return report_error(out, "CreatePipe", GetLastError());
    unsigned long long handle_value = (unsigned long long)(uintptr_t)write_end;
    int patched = block ? patch_sentinel(block, block_len, 8, PIPE_SENTINEL, handle_value) : 0;
    int patched32 = block ? patch_sentinel(block, block_len, 4, PIPE_SENTINEL_32, handle_value) : 0;

    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    memset(&si, 0, sizeof si);
    si.cbReserved2 = (WORD)block_len;
    si.lpReserved2 = block_len ? block : NULL;
    r.t0 = now_ms();
    if (!start(app, cmd, NULL, &si, &pi)) return report_error(out, "CreateProcessW", GetLastError());
    CloseHandle(pi.hThread);
    CloseHandle(write_end);
    r.proc = pi.hProcess;

    long long deadline = r.t0 + FDBLOCK_TIMEOUT_MS;
    BOOL timed_out = FALSE;
    HANDLE reader = CreateThread(NULL, 0, read_to_eof, &r, 0, NULL);
    if (!reader) return report_error(out, "CreateThread", GetLastError());
    if (WaitForSingleObject(reader, FDBLOCK_TIMEOUT_MS) != WAIT_OBJECT_0) {
        timed_out = TRUE;
        TerminateProcess(pi.hProcess, TIMEOUT_EXIT_CODE);
        WaitForSingleObject(reader, 2000); /* a grandchild may still hold the pipe */
    }
    if (!wait_or_kill(pi.hProcess, deadline)) timed_out = TRUE;
    long long exit_ms = now_ms() - r.t0;

    Buf b = {0};
    report_fdblock(&b, &r, exit_code_of(pi.hProcess), exit_ms, timed_out,
                   patched + patched32, patched32, block_len, write_end);
    /* the reader thread may still be blocked if it timed out: leave its buffer alone */
    return finish(out, &b, 0);
}

/* ---- kill ------------------------------------------------------------------------ */

/* Reads up to two decimal pids, one per line, from path; returns how many. */
static int read_pids(const wchar_t *path, DWORD pids[2])
{
    HANDLE h = CreateFileW(path, GENERIC_READ,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) return 0;
    char text[256];
    DWORD got = 0;
    BOOL ok = ReadFile(h, text, sizeof text - 1, &got, NULL);
    CloseHandle(h);
    if (!ok) return 0;
    int count = 0;
    DWORD v = 0;
    BOOL in_number = FALSE;
    for (DWORD i = 0; i < got && count < 2; i++) {
        char c = text[i];
        if (c >= '0' && c <= '9') { v = v * 10 + (DWORD)(c - '0'); in_number = TRUE; }
        else if (c == '\n') {
            if (in_number) pids[count++] = v; /* only complete lines count */
            v = 0;
            in_number = FALSE;
        }
    }
    return count;
}

static int wait_for_pids(const wchar_t *path, DWORD pids[2], HANDLE started)
{
    long long deadline = now_ms() + PIDFILE_TIMEOUT_MS;
    for (;;) {
        if (read_pids(path, pids) == 2) return 2;
        if (now_ms() > deadline) return 0;
        if (WaitForSingleObject(started, 20) == WAIT_OBJECT_0 && read_pids(path, pids) < 2)
            return -1; /* the started process exited before both pids appeared */
    }
}

/* Waits for a process until t0 + KILL_WAIT_MS; returns ms after t0, or -1. */
static long long gone_after(HANDLE h, long long t0)
{
    if (!h) return 0; /* could not be opened: already gone */
    long long left = t0 + KILL_WAIT_MS - now_ms();
    if (WaitForSingleObject(h, left > 0 ? (DWORD)left : 0) != WAIT_OBJECT_0) return -1;
    return now_ms() - t0;
}

static void kill_survivor(HANDLE h, long long gone_ms)
{
    if (!h) return;
    if (gone_ms < 0) {
        TerminateProcess(h, TIMEOUT_EXIT_CODE);
        WaitForSingleObject(h, 5000);
    }
    CloseHandle(h);
}

static int cmd_kill(int argc, wchar_t **argv)
{
    if (argc != 6) return usage();
    const wchar_t *out = argv[2], *pidfile = argv[3];
    BOOL ok1, ok2;
    wchar_t *app = hex_to_wide_or_null(argv[4], &ok1);
    wchar_t *cmd = hex_to_wide_or_null(argv[5], &ok2);
    if (!ok1 || !ok2) return report_error(out, "malformed hex argument", 0);

    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    memset(&si, 0, sizeof si);
    if (!start(app, cmd, NULL, &si, &pi)) return report_error(out, "CreateProcessW", GetLastError());
    CloseHandle(pi.hThread);

    DWORD pids[2] = {0, 0};
    int found = wait_for_pids(pidfile, pids, pi.hProcess);
    if (found != 2) {
        TerminateProcess(pi.hProcess, TIMEOUT_EXIT_CODE);
        return report_error(out, found < 0 ? "started process exited before writing two pids"
                                           : "timed out waiting for two pids", 0);
    }
    const DWORD access = SYNCHRONIZE | PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION;
    HANDLE child = OpenProcess(access, FALSE, pids[0]);
    HANDLE grandchild = OpenProcess(access, FALSE, pids[1]);

    long long t0 = now_ms();
    TerminateProcess(pi.hProcess, 1);
    long long child_ms = gone_after(child, t0);
    long long grandchild_ms = gone_after(grandchild, t0);
    WaitForSingleObject(pi.hProcess, KILL_WAIT_MS);

    Buf b = {0};
    buf_str(&b, "{\"childGone\": ");
    buf_bool(&b, child_ms >= 0);
    buf_str(&b, ", \"grandchildGone\": ");
    buf_bool(&b, grandchild_ms >= 0);
    buf_str(&b, ", \"childMs\": ");
    json_ms_or_null(&b, child_ms);
    buf_str(&b, ", \"grandchildMs\": ");
    json_ms_or_null(&b, grandchild_ms);
    buf_str(&b, ", \"startedPid\": ");
    buf_u64(&b, pi.dwProcessId);
    buf_str(&b, ", \"childPid\": ");
    buf_u64(&b, pids[0]);
    buf_str(&b, ", \"grandchildPid\": ");
    buf_u64(&b, pids[1]);
    buf_str(&b, ", \"childOpened\": ");
    buf_bool(&b, child != NULL);
    buf_str(&b, ", \"grandchildOpened\": ");
    buf_bool(&b, grandchild != NULL);
    buf_str(&b, "}\n");

    kill_survivor(child, child_ms);
    kill_survivor(grandchild, grandchild_ms);
    CloseHandle(pi.hProcess);
    return finish(out, &b, 0);
}

/* ---- main ------------------------------------------------------------------------ */

int wmain(int argc, wchar_t **argv)
{
    SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
    SetConsoleCtrlHandler(survive_ctrl, TRUE);
    if (argc < 2) return usage();
    if (wcscmp(argv[1], L"exec") == 0) return cmd_exec(argc, argv);
    if (wcscmp(argv[1], L"fdblock") == 0) return cmd_fdblock(argc, argv);
    if (wcscmp(argv[1], L"kill") == 0) return cmd_kill(argc, argv);
    return usage();
}
