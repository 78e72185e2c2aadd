/*
 * noop.c - the bench's "interpreter": exits at once with code 0, or first sleeps BENCH_SLEEP_MS
 * milliseconds when that variable is set (the memory measurement keeps the launcher alive that
 * way). No C runtime, kernel32 only, so that a launch measures a process start and nothing of the
 * interpreter's own work. Built by bench/launch.ts with mingw-w64 (-nostdlib -e noop_entry).
 */
__declspec(dllimport) unsigned long __stdcall GetEnvironmentVariableA(const char *name, char *buf, unsigned long size);
__declspec(dllimport) void __stdcall Sleep(unsigned long ms);
__declspec(dllimport) __declspec(noreturn) void __stdcall ExitProcess(unsigned int code);

void noop_entry(void)
{
    char buf[16];
    unsigned long n = GetEnvironmentVariableA("BENCH_SLEEP_MS", buf, sizeof buf);
    if (n > 0 && n < sizeof buf) {
        unsigned long ms = 0;
        for (unsigned long i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) ms = ms * 10 + (unsigned long)(buf[i] - '0');
        if (ms > 0) Sleep(ms);
    }
    ExitProcess(0);
}
