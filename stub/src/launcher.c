/*
 * launcher.c - the Bounce launcher stub: starts the program its payload names and gets out of
 * the way.
 *
 * A launcher must behave as if the user had started the interpreter directly: the same
 * arguments byte for byte, the same handles, the same Ctrl-C, the same exit code, and when the
 * launcher dies its child dies with it. bounce() below is the whole algorithm; each step is a
 * small function whose comment says why it is there. Everything that can be computed without
 * Win32 (payload, command line, paths, fd block) lives in pure files that are unit-tested and
 * fuzzed on Linux. No C runtime: the entry point is bounce_entry and the stub imports only
 * kernel32 (and user32 in the GUI variant).
 */
#include "cmdline.h"
#include "diag.h"
#include "fdblock.h"
#include "payload.h"

typedef struct {
    bchar *path;       /* this launcher's full path, from GetModuleFileNameW */
    size_t path_len;
    size_t dir_len;    /* length of its folder, the base of relative paths */
    payload payload;
} launcher;

/* Renders `fn`'s output into a new NUL-terminated buffer: one pass to measure, one to write. */
static bchar *render(void (*fn)(wbuf *, const void *), const void *ctx, size_t *len_out)
{
    wbuf measure = {NULL, 0, 0};
    fn(&measure, ctx);
    wbuf w = {alloc_or_die((measure.len + 1) * sizeof(bchar)), measure.len, 0};
    fn(&w, ctx);
    w.buf[w.len] = 0;
    if (len_out != NULL)
        *len_out = w.len;
    return w.buf;
}

/* 1. Our own path, never argv[0] (which the caller may set to anything). The buffer grows, so
 * paths longer than MAX_PATH work. */
static void read_own_path(launcher *l)
{
    for (DWORD size = 512;; size *= 2) {
        l->path = alloc_or_die(size * sizeof(bchar));
        DWORD n = GetModuleFileNameW(NULL, l->path, size);
        if (n == 0 || size >= 0x10000)
            die(EXIT_SELF_PATH, "cannot read the launcher's own path", NULL, GetLastError());
        if (n < size) {
            l->path_len = n;
            l->dir_len = path_dir_len(l->path, n);
            return;
        }
    }
}

/* 2. The payload lives in a PE resource, not at the end of the file, so an Authenticode
 * signature appended to the file does not break it (uv #15022). */
static void read_payload(launcher *l)
{
    HRSRC res = FindResourceW(NULL, u"BOUNCE", RT_RCDATA);
    HGLOBAL data = res ? LoadResource(NULL, res) : NULL;
    const uint8_t *bytes = data ? LockResource(data) : NULL;
    if (bytes == NULL)
        die(EXIT_NO_PAYLOAD, "no BOUNCE payload (a bare stub) in", l->path, 0);
    payload_status status = payload_parse(bytes, SizeofResource(NULL, res), &l->payload);
    if (status != PAYLOAD_OK)
        die(EXIT_BAD_PAYLOAD, payload_status_text(status), l->path, 0);
}

/* A payload text in place. Windows runs little-endian on every target, so the payload's
 * UTF-16LE is host order, and payload_parse made sure the payload is 2-aligned (its texts start
 * at even offsets). The pure code reads the bytes portably (wbuf_put_le) for its Linux tests. */
static const bchar *text_units(le_text t)
{
    return (const bchar *)(const void *)t.units;
}

typedef struct {
    const launcher *l;
    const bchar *rel;
    size_t rel_len;
} relative_path;

static void put_relative_path(wbuf *w, const void *ctx)
{
    const relative_path *p = ctx;
    put_resolved(w, p->l->path, p->l->dir_len, p->rel, p->rel_len);
}

/* A payload path resolved against the launcher's folder, unless it is absolute. */
static bchar *resolve(const launcher *l, le_text t, size_t *len)
{
    relative_path p = {l, text_units(t), t.len};
    return render(put_relative_path, &p, len);
}

static void put_child_command_line(wbuf *w, const void *ctx)
{
    put_command_line(w, ctx);
}

/* 3 and 4. The interpreter's full path (absolute, or relative to our folder; never searched
 * for, so a python.exe in the current directory cannot hijack us) and the child's command
 * line: "<program>" <fixed args> ["<script>"] followed by our own tail, unchanged. */
static bchar *build_command_line(const launcher *l, bchar **program_out)
{
    command_parts parts = {0};
    parts.program = *program_out = resolve(l, l->payload.program, &parts.program_len);
    parts.args = text_units(l->payload.args);
    parts.args_len = l->payload.args.len;
    if (l->payload.kind == KIND_SCRIPT) {
        parts.script = l->path; /* CPython runs the launcher itself as a zipapp */
        parts.script_len = l->path_len;
    } else if (l->payload.kind == KIND_EXEC && l->payload.script.len > 0) {
        parts.script = resolve(l, l->payload.script, &parts.script_len);
    }
    const bchar *own = GetCommandLineW();
    size_t own_len = bstrlen(own);
    size_t tail = argv0_end(own, own_len);
    parts.tail = own + tail;
    parts.tail_len = own_len - tail;

    size_t len;
    bchar *cl = render(put_child_command_line, &parts, &len);
    /* Truncating would run the program with other arguments than the caller gave. */
    if (len + 1 > BOUNCE_MAX_COMMAND_LINE)
        die(EXIT_TOO_LONG, "command line over 32,767 characters for",
            l->path, 0);
    return cl;
}

/* 6. The child shares our console and handles Ctrl-C itself; we must survive it to return
 * its exit code, so the handler returns TRUE. SetConsoleCtrlHandler(NULL, TRUE) would instead
 * set an "ignore Ctrl-C" flag the child inherits. On close, logoff and shutdown Windows ends us
 * when the handler returns: lift kill-on-close first, so the child gets to clean up rather than
 * dying with the job (as distlib does).
 *
 * The handler runs on a thread of its own and needs the job's handle. The stub keeps no
 * writable globals (a .data section costs 512 bytes of PE headers, see build.sh), so once the
 * child runs, keep_job_for_console_handler leaves the handle in our standard-input slot: we
 * never read our stdin (the child has its own copy), and a thread of ours can find it there.
 * If the slot holds anything else, SetInformationJobObject fails and nothing changes. */
static BOOL WINAPI on_console_event(DWORD event)
{
    if (event != CTRL_C_EVENT && event != CTRL_BREAK_EVENT) {
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION no_limits = {0};
        SetInformationJobObject(GetStdHandle(STD_INPUT_HANDLE), JobObjectExtendedLimitInformation,
                                &no_limits, sizeof no_limits);
    }
    return 1;
}

static void keep_job_for_console_handler(HANDLE job)
{
    if (job != NULL)
        SetStdHandle(STD_INPUT_HANDLE, job);
}

/* 5. The child gets our STARTUPINFO, CRT fd block (lpReserved2) included, and our standard
 * handles, made inheritable so they are valid in the child. STARTF_USEHOTKEY reuses the
 * hStdInput field, so leave such a STARTUPINFO alone. */
static void read_std_handles(HANDLE std[3])
{
    std[0] = GetStdHandle(STD_INPUT_HANDLE);
    std[1] = GetStdHandle(STD_OUTPUT_HANDLE);
    std[2] = GetStdHandle(STD_ERROR_HANDLE);
}

static void pass_std_handles(STARTUPINFOW *si, HANDLE std[3])
{
    for (int i = 0; i < 3; i++)
        if (std[i] != NULL && std[i] != INVALID_HANDLE_VALUE)
            SetHandleInformation(std[i], HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
    if (si->dwFlags & STARTF_USEHOTKEY)
        return;
    si->dwFlags |= STARTF_USESTDHANDLES;
    si->hStdInput = std[0];
    si->hStdOutput = std[1];
    si->hStdError = std[2];
}

/* 7. Created suspended, put in a kill-on-close job, then resumed: there is no moment when the
 * child runs outside the job (uv assigns after a running start; Scoop's shim resumes first).
 * When we die, by TerminateProcess or otherwise, the job's last handle closes and the child
 * and, by default, its children die too. If we sit in a job that forbids this, carry on
 * without one: starting the program matters more. */
static HANDLE start_in_job(launcher *l, PROCESS_INFORMATION *pi)
{
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION info = {0};
    info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (l->payload.flags & FLAG_ALLOW_BREAKAWAY)
        info.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK;

#ifndef BOUNCE_CONTROL_NO_JOB /* the tests' negative control: a launcher without a job */
    HANDLE job = CreateJobObjectW(NULL, NULL);
#else
    HANDLE job = NULL;
#endif
    if (job != NULL &&
        !(SetInformationJobObject(job, JobObjectExtendedLimitInformation, &info, sizeof info) &&
          AssignProcessToJobObject(job, pi->hProcess))) {
        CloseHandle(job);
        job = NULL;
    }
    if (ResumeThread(pi->hThread) == (DWORD)-1) {
        DWORD error = GetLastError();
        TerminateProcess(pi->hProcess, EXIT_CANNOT_START);
        die(EXIT_CANNOT_START, "cannot resume the program started by", l->path, error);
    }
    CloseHandle(pi->hThread);
    return job;
}

static void close_owned_handle(void *std_handles, uint64_t value)
{
    HANDLE h = (HANDLE)(uintptr_t)value, *std = std_handles;
    /* Our standard handles are closed (or kept, stderr) by close_std_pipes. */
    if (h != std[0] && h != std[1] && h != std[2])
        CloseHandle(h);
}

/* 8. We inherited every handle of the CRT fd block too. Our copies must go, or a pipe whose
 * other end the child closes never reaches EOF while we wait (the seed, uv PR 6955). The
 * block is hostile input: fdblock.c checks its size without overflow. */
static void close_fd_block_copies(const STARTUPINFOW *si, HANDLE std[3])
{
#ifndef BOUNCE_CONTROL_KEEP_FD_COPIES /* the tests' negative control: a launcher that skips this */
    fdblock_for_each_owned_handle(si->lpReserved2, si->cbReserved2, sizeof(HANDLE),
                                  close_owned_handle, std);
#else
    (void)si;
    (void)std;
    (void)close_owned_handle;
#endif
}

static int is_pipe(HANDLE h)
{
    return h != NULL && h != INVALID_HANDLE_VALUE && GetFileType(h) == FILE_TYPE_PIPE;
}

/* Likewise our stdin and stdout, but only pipes: closing a console handle broke pdb's line
 * editing under uv (uv #17174). stderr stays open for our own error messages, so a stdin or
 * stdout that is the same handle as stderr stays too (and one handle is closed once). */
static void close_std_pipes(HANDLE std[3])
{
    if (is_pipe(std[0]) && std[0] != std[1] && std[0] != std[2])
        CloseHandle(std[0]);
    if (is_pipe(std[1]) && std[1] != std[2])
        CloseHandle(std[1]);
}

/* 9. Holding the caller's directory as our current directory would keep it from being renamed
 * or deleted while the child runs; the child already has it. */
static void leave_current_directory(void)
{
    bchar temp[MAX_PATH + 2]; /* GetTempPathW returns at most MAX_PATH + 1 characters */
    DWORD n = GetTempPathW(MAX_PATH + 2, temp);
    if (n > 0 && n < MAX_PATH + 2)
        SetCurrentDirectoryW(temp);
}

/* 11. The child's exit code, all 32 bits. */
static DWORD wait_for_exit(const launcher *l, HANDLE process)
{
    DWORD code;
    if (WaitForSingleObject(process, INFINITE) != 0 || !GetExitCodeProcess(process, &code))
        die(EXIT_INTERNAL, "cannot wait for the program started by", l->path, GetLastError());
    return code;
}

static DWORD bounce(void)
{
    launcher l;
    read_own_path(&l);
    read_payload(&l);
    bchar *program;
    bchar *command_line = build_command_line(&l, &program);

    STARTUPINFOW si = {0};
    si.cb = sizeof si;
    GetStartupInfoW(&si);
    HANDLE std[3];
    read_std_handles(std);
    pass_std_handles(&si, std);
#ifndef BOUNCE_CONTROL_NO_CTRL_HANDLER /* the tests' negative control: Ctrl-C ends the launcher */
    SetConsoleCtrlHandler(on_console_event, 1);
#else
    (void)on_console_event;
#endif

    PROCESS_INFORMATION pi;
    if (!CreateProcessW(program, command_line, NULL, NULL, 1, CREATE_SUSPENDED, NULL, NULL, &si,
                        &pi))
        die(EXIT_CANNOT_START, "cannot start", program, GetLastError());
    HANDLE job = start_in_job(&l, &pi);

    close_fd_block_copies(&si, std);
    close_std_pipes(std);
    keep_job_for_console_handler(job);
    leave_current_directory();
    ui_after_spawn(); /* 10. GUI: clear the app-starting cursor */
    return wait_for_exit(&l, pi.hProcess);
}

void bounce_entry(void)
{
    ExitProcess(bounce());
}
