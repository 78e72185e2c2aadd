/*
 * floor.c - the floor of the launch benchmark: the least a separate launcher process can do.
 * It starts `python.exe` from its own folder with its own argument tail (CreateProcessW), waits,
 * and exits with the child's exit code. No job, no payload, no C runtime: what it costs beyond
 * starting the interpreter directly is one process start. Built by bench/launch.ts with
 * mingw-w64 (-nostdlib -e floor_entry -lkernel32).
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#define CMD_MAX 32768

static wchar_t self[MAX_PATH + 16];
static wchar_t cmd[CMD_MAX];

static const wchar_t TARGET[] = L"python.exe";

void floor_entry(void)
{
    DWORD n = GetModuleFileNameW(NULL, self, MAX_PATH);
    if (n == 0 || n >= MAX_PATH) ExitProcess(120);
    DWORD slash = 0;
    for (DWORD i = 0; i < n; i++) if (self[i] == L'\\' || self[i] == L'/') slash = i + 1;
    for (DWORD i = 0; i < sizeof TARGET / sizeof TARGET[0]; i++) self[slash + i] = TARGET[i];

    /* the tail: the command line after argv[0] (quoted or not), as CommandLineToArgvW ends it */
    const wchar_t *p = GetCommandLineW();
    if (*p == L'"') {
        p++;
        while (*p && *p != L'"') p++;
        if (*p) p++;
    } else {
        while (*p && *p != L' ' && *p != L'\t') p++;
    }

    DWORD len = 0;
    cmd[len++] = L'"';
    for (const wchar_t *s = self; *s; s++) cmd[len++] = *s;
    cmd[len++] = L'"';
    while (*p && len < CMD_MAX - 1) cmd[len++] = *p++;
    cmd[len] = 0;

    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    for (DWORD i = 0; i < sizeof si; i++) ((char *)&si)[i] = 0;
    si.cb = sizeof si;
    if (!CreateProcessW(self, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) ExitProcess(121);
    CloseHandle(pi.hThread);
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 122;
    GetExitCodeProcess(pi.hProcess, &code);
    ExitProcess(code);
}
