/*
 * probe.c - a stand-in interpreter for the Bounce launcher tests.
 *
 * Built with mingw-w64 against msvcrt.dll, so argv and the file descriptors it
 * sees are a real C runtime's view (msvcrt parses STARTUPINFO.lpReserved2).
 * Its own arguments are never interpreted: everything is driven by environment
 * variables, all optional:
 *
 *   PROBE_REPORT=<path>     write a JSON report (UTF-8, atomically) there:
 *                           commandLineHex, argvHex[], pid, cwd, exe, fd3,
 *                           fd3Handle, fd3Written, role, ctrlC, grandchildPid
 *   PROBE_PIDFILE=<path>    append "<pid>\n" once running (grandchild too)
 *   PROBE_STDOUT=<text>     print text (UTF-8) to fd 1
 *   PROBE_FD3_WRITE=<text>  _write the text (UTF-8) to fd 3, then _close(3)
 *   PROBE_GRANDCHILD=1      start a copy of itself with PROBE_ROLE=grandchild,
 *                           PROBE_GRANDCHILD removed and PROBE_REPORT set to
 *                           <report>.grandchild; it inherits no handles and
 *                           just sleeps (PROBE_GRANDCHILD_SLEEP_MS, default 60000)
 *   PROBE_WAIT_CTRLC=1      install a console ctrl handler, print "READY\n", wait
 *                           up to 30 s for CTRL_C_EVENT (the handler returns TRUE)
 *   PROBE_SLEEP_MS=<n>      sleep after writing the report
 *   PROBE_EXIT=<n>          exit code (decimal, -decimal or 0x-hex; 32 bits), default 0
 *
 * Order: pidfile, stdout, fd 3, grandchild, Ctrl-C wait, report, sleep, exit
 * (the grandchild: report, pidfile, sleep).
 */
#include "common.h"
#include <io.h>

#define GRANDCHILD_DEFAULT_SLEEP_MS 60000u
#define CTRL_C_WAIT_MS 30000u

typedef void (__cdecl *InvalidParamHandler)(const wchar_t *, const wchar_t *,
                                            const wchar_t *, unsigned, uintptr_t);
typedef InvalidParamHandler (__cdecl *SetInvalidParamHandler)(InvalidParamHandler);

typedef struct {
    BOOL fd3;
    intptr_t fd3_handle;
    long long fd3_written; /* -2: not attempted */
    BOOL ctrl_c;
    DWORD grandchild_pid;  /* 0: none */
    BOOL grandchild;
} ProbeState;

static volatile LONG g_ctrl_c;
static HANDLE g_ctrl_event;

/* ---- environment ------------------------------------------------------------ */

/* malloc'd value of an environment variable, NULL when unset. */
static wchar_t *env_get(const wchar_t *name)
{
    DWORD need = GetEnvironmentVariableW(name, NULL, 0);
    if (!need) return NULL;
    wchar_t *v = (wchar_t *)malloc(need * sizeof(wchar_t));
    if (!v) ExitProcess(0xBADC0DE1u);
    if (GetEnvironmentVariableW(name, v, need) >= need) { free(v); return NULL; }
    return v;
}

static BOOL env_is(const wchar_t *name, const wchar_t *value)
{
    wchar_t *v = env_get(name);
    BOOL eq = v && wcscmp(v, value) == 0;
    free(v);
    return eq;
}

/* Parses decimal, -decimal or 0x-hex; keeps the low 32 bits. */
static DWORD parse_u32(const wchar_t *s, DWORD fallback)
{
    unsigned long long v = 0;
    BOOL neg = FALSE;
    if (!s || !*s) return fallback;
    if (*s == L'-') { neg = TRUE; s++; }
    if (s[0] == L'0' && (s[1] == L'x' || s[1] == L'X')) {
        for (s += 2; *s; s++) {
            int d = hex_digit(*s);
            if (d < 0) return fallback;
            v = v * 16 + (unsigned)d;
        }
    } else {
        for (; *s; s++) {
            if (*s < L'0' || *s > L'9') return fallback;
            v = v * 10 + (unsigned)(*s - L'0');
        }
    }
    return (DWORD)(neg ? 0ull - v : v);
}

static DWORD env_u32(const wchar_t *name, DWORD fallback)
{
    wchar_t *v = env_get(name);
    DWORD r = parse_u32(v, fallback);
    free(v);
    return r;
}

/* ---- fds ------------------------------------------------------------------------ */

static void __cdecl ignore_invalid_parameter(const wchar_t *e, const wchar_t *f,
                                             const wchar_t *file, unsigned line,
                                             uintptr_t r)
{
    (void)e; (void)f; (void)file; (void)line; (void)r;
}

/* Some msvcrt builds call an invalid-parameter handler for a bad fd: make it a no-op.
 * Looked up at run time so the probe still loads where msvcrt lacks the export. */
static void quiet_crt_parameter_checks(void)
{
    HMODULE crt = GetModuleHandleW(L"msvcrt.dll");
    SetInvalidParamHandler set = crt ? (SetInvalidParamHandler)(void (*)(void))
        GetProcAddress(crt, "_set_invalid_parameter_handler") : NULL;
    if (set) set(ignore_invalid_parameter);
}

static void inspect_fd3(ProbeState *st)
{
    st->fd3_handle = _get_osfhandle(3);
    st->fd3 = st->fd3_handle != -1 && st->fd3_handle != -2;
}

static void write_fd(int fd, const wchar_t *text, long long *written)
{
    size_t n = 0;
    char *u = wide_to_utf8(text, wcslen(text), &n);
    int r = _write(fd, u, (unsigned)n);
    if (written) *written = r;
    free(u);
}

static void write_and_close_fd3(ProbeState *st)
{
    wchar_t *text = env_get(L"PROBE_FD3_WRITE");
    if (!text) return;
    write_fd(3, text, &st->fd3_written);
    _close(3);
    free(text);
}

static void print_stdout(void)
{
    wchar_t *text = env_get(L"PROBE_STDOUT");
    if (text) write_fd(1, text, NULL);
    free(text);
}

/* ---- pid file ----------------------------------------------------------------- */

static void append_pidfile(void)
{
    wchar_t *path = env_get(L"PROBE_PIDFILE");
    if (!path) return;
    HANDLE h = CreateFileW(path, FILE_APPEND_DATA,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h != INVALID_HANDLE_VALUE) {
        Buf line = {0};
        buf_u64(&line, GetCurrentProcessId());
        buf_str(&line, "\n");
        DWORD done = 0;
        WriteFile(h, line.p, (DWORD)line.len, &done, NULL);
        CloseHandle(h);
        free(line.p);
    }
    free(path);
}

/* ---- grandchild ------------------------------------------------------------------ */

static wchar_t *own_path(void)
{
    DWORD cap = 512;
    for (;;) {
        wchar_t *p = (wchar_t *)malloc(cap * sizeof(wchar_t));
        if (!p) ExitProcess(0xBADC0DE1u);
        DWORD n = GetModuleFileNameW(NULL, p, cap);
        if (n && n < cap) return p;
        free(p);
        if (!n || cap > 65536) return NULL;
        cap *= 2;
    }
}

/* Rewrites our own environment block (read by CreateProcessW with NULL env). */
static void prepare_grandchild_env(void)
{
    wchar_t *report = env_get(L"PROBE_REPORT");
    SetEnvironmentVariableW(L"PROBE_ROLE", L"grandchild");
    SetEnvironmentVariableW(L"PROBE_GRANDCHILD", NULL);
    if (report) {
        size_t n = wcslen(report);
        wchar_t *gc = (wchar_t *)malloc((n + 16) * sizeof(wchar_t));
        if (!gc) ExitProcess(0xBADC0DE1u);
        wcscpy(gc, report);
        wcscat(gc, L".grandchild");
        SetEnvironmentVariableW(L"PROBE_REPORT", gc);
        free(gc);
    }
    free(report);
}

static void start_grandchild(ProbeState *st)
{
    wchar_t *self = own_path();
    if (!self) return;
    size_t n = wcslen(self);
    wchar_t *cmd = (wchar_t *)malloc((n + 3) * sizeof(wchar_t));
    if (!cmd) ExitProcess(0xBADC0DE1u);
    cmd[0] = L'"';
    wcscpy(cmd + 1, self);
    wcscat(cmd, L"\"");

    wchar_t *saved_report = env_get(L"PROBE_REPORT");
    prepare_grandchild_env();

    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES; /* no std handles: holds none of our pipes */
    if (CreateProcessW(self, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        st->grandchild_pid = pi.dwProcessId;
        CloseHandle(pi.hThread);
        CloseHandle(pi.hProcess);
    }

    /* restore what the rest of this process reads */
    SetEnvironmentVariableW(L"PROBE_REPORT", saved_report);
    SetEnvironmentVariableW(L"PROBE_ROLE", NULL);
    free(saved_report);
    free(cmd);
    free(self);
}

/* ---- Ctrl-C -------------------------------------------------------------------------- */

static BOOL WINAPI on_console_ctrl(DWORD type)
{
    if (type != CTRL_C_EVENT) return FALSE;
    InterlockedExchange(&g_ctrl_c, 1);
    if (g_ctrl_event) SetEvent(g_ctrl_event);
    return TRUE;
}

static void wait_for_ctrl_c(ProbeState *st)
{
    g_ctrl_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    SetConsoleCtrlHandler(on_console_ctrl, TRUE);
    _write(1, "READY\n", 6);
    WaitForSingleObject(g_ctrl_event, CTRL_C_WAIT_MS);
    st->ctrl_c = InterlockedCompareExchange(&g_ctrl_c, 0, 0) != 0;
}

/* ---- report ---------------------------------------------------------------------------- */

static void json_key(Buf *b, const char *key, BOOL first)
{
    buf_str(b, first ? "{\n  \"" : ",\n  \"");
    buf_str(b, key);
    buf_str(b, "\": ");
}

static void report_strings(Buf *b, int argc, wchar_t **argv)
{
    const wchar_t *cmd = GetCommandLineW();
    json_key(b, "commandLineHex", TRUE);
    buf_json_whex(b, cmd, wcslen(cmd));
    json_key(b, "argvHex", FALSE);
    buf_str(b, "[");
    for (int i = 0; i < argc; i++) {
        if (i) buf_str(b, ", ");
        buf_json_whex(b, argv[i], wcslen(argv[i]));
    }
    buf_str(b, "]");

    wchar_t cwd[MAX_PATH * 4];
    DWORD n = GetCurrentDirectoryW(MAX_PATH * 4, cwd);
    if (!n || n >= MAX_PATH * 4) cwd[0] = 0;
    json_key(b, "cwd", FALSE);
    buf_json_wstr(b, cwd);

    wchar_t *exe = own_path();
    json_key(b, "exe", FALSE);
    buf_json_wstr(b, exe ? exe : L"");
    free(exe);
}

static void report_state(Buf *b, const ProbeState *st)
{
    json_key(b, "pid", FALSE);
    buf_u64(b, GetCurrentProcessId());
    json_key(b, "role", FALSE);
    buf_str(b, st->grandchild ? "\"grandchild\"" : "\"child\"");
    json_key(b, "fd3", FALSE);
    buf_bool(b, st->fd3);
    json_key(b, "fd3Handle", FALSE);
    buf_i64(b, (long long)st->fd3_handle);
    json_key(b, "fd3Written", FALSE);
    if (st->fd3_written == -2) buf_str(b, "null");
    else buf_i64(b, st->fd3_written);
    json_key(b, "ctrlC", FALSE);
    buf_bool(b, st->ctrl_c);
    if (st->grandchild_pid) {
        json_key(b, "grandchildPid", FALSE);
        buf_u64(b, st->grandchild_pid);
    }
    buf_str(b, "\n}\n");
}

static void write_report(int argc, wchar_t **argv, const ProbeState *st)
{
    wchar_t *path = env_get(L"PROBE_REPORT");
    if (!path) return;
    Buf b = {0};
    report_strings(&b, argc, argv);
    report_state(&b, st);
    write_file_atomic(path, &b);
    free(b.p);
    free(path);
}

/* ---- main ------------------------------------------------------------------------------- */

static int run_grandchild(int argc, wchar_t **argv, ProbeState *st)
{
    st->grandchild = TRUE;
    write_report(argc, argv, st); /* before the pid: whoever sees the pid finds the report */
    append_pidfile();
    Sleep(env_u32(L"PROBE_GRANDCHILD_SLEEP_MS", GRANDCHILD_DEFAULT_SLEEP_MS));
    ExitProcess(0);
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    ProbeState st;
    memset(&st, 0, sizeof st);
    st.fd3_written = -2;
    quiet_crt_parameter_checks();
    inspect_fd3(&st);

    if (env_is(L"PROBE_ROLE", L"grandchild")) return run_grandchild(argc, argv, &st);

    append_pidfile();
    print_stdout();
    write_and_close_fd3(&st);
    if (env_is(L"PROBE_GRANDCHILD", L"1")) start_grandchild(&st);
    if (env_is(L"PROBE_WAIT_CTRLC", L"1")) wait_for_ctrl_c(&st);
    write_report(argc, argv, &st);

    DWORD sleep_ms = env_u32(L"PROBE_SLEEP_MS", 0);
    if (sleep_ms) Sleep(sleep_ms);
    ExitProcess(env_u32(L"PROBE_EXIT", 0));
    return 0;
}
