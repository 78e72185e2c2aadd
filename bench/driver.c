/*
 * driver.c - the Windows side of the launch benchmark (issue 4), run by bench/launch.ts.
 *
 *   driver.exe CANDIDATES ROUNDS PER_ROUND OUT.json [SLEEP_MS]
 *
 * CANDIDATES: UTF-8 text, one candidate a line: NAME<TAB>APP<TAB>CMDLINE<TAB>MEMORY, APP empty
 * for lpApplicationName NULL, MEMORY 1 for a launcher whose own memory is measured.
 *
 * Launch cost: one untimed warm-up start of each candidate, then ROUNDS rounds; in each round
 * every candidate is started once, PER_ROUND times over, interleaved (A B C A B C ...) so that
 * the machine's drift hits all alike. Each sample is CreateProcessW -> WaitForSingleObject ->
 * (handles closed) timed with QueryPerformanceCounter, in ms. A start that fails or exits with a
 * code other than 0 is counted in "failures" and not sampled.
 *
 * Memory: each MEMORY candidate is started once more with BENCH_SLEEP_MS=SLEEP_MS (default 1500)
 * in its environment, so the interpreter at the end of the chain sleeps; after 300 ms the driver
 * asks GetProcessMemoryInfo (PROCESS_MEMORY_COUNTERS_EX) about the process it started, the
 * launcher, and then waits for it.
 *
 * OUT.json: {"candidates":[{"name","samples":[ms...],"failures","lastExitCode","lastError"}],
 *   (lastExitCode: the last non-zero exit code; lastError: GetLastError of the last failed start)
 *            "memory":[{"name","ok","peakWorkingSetBytes","privateBytes","workingSetBytes",
 *                       "committedPrivateBytes","exitCode","lastError"}]}
 * committedPrivateBytes: the sum of committed MEM_PRIVATE regions (VirtualQueryEx), the same
 * thing as PrivateUsage, which Wine reports as 0 for another process.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <psapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define MAX_CANDIDATES 32
#define LINE_MAX_BYTES 65536

typedef struct {
    char name[128];
    wchar_t *app;      /* NULL: lpApplicationName NULL */
    wchar_t *cmdline;  /* the original; CreateProcessW gets a fresh copy each time */
    int memory;
    double *samples;
    int count;
    int failures;
    DWORD lastExitCode; /* of the last launch that exited with a code other than 0 */
    DWORD lastError;    /* of the last CreateProcessW that failed */
} Candidate;

static Candidate cands[MAX_CANDIDATES];
static int ncands;
static LARGE_INTEGER freq;

static wchar_t *widen(const char *s) {
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    wchar_t *w = malloc(sizeof(wchar_t) * (size_t)(n > 0 ? n : 1));
    if (!w) exit(2);
    if (n <= 0) w[0] = 0;
    else MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

static int readCandidates(const wchar_t *file, int samplesMax) {
    FILE *f = _wfopen(file, L"rb");
    if (!f) return 0;
    static char line[LINE_MAX_BYTES];
    while (ncands < MAX_CANDIDATES && fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (len == 0) continue;
        char *fields[4] = {line, NULL, NULL, NULL};
        int nf = 1;
        for (char *p = line; *p && nf < 4; p++) if (*p == '\t') { *p = 0; fields[nf++] = p + 1; }
        if (nf < 3) { fclose(f); return 0; }
        Candidate *c = &cands[ncands++];
        snprintf(c->name, sizeof c->name, "%s", fields[0]);
        c->app = fields[1][0] ? widen(fields[1]) : NULL;
        c->cmdline = widen(fields[2]);
        c->memory = nf == 4 && fields[3][0] == '1';
        c->samples = malloc(sizeof(double) * (size_t)samplesMax);
        if (!c->samples) exit(2);
    }
    fclose(f);
    return ncands > 0;
}

/* Starts c (CreateProcessW writes into the command line, so a copy goes in); FALSE on failure,
 * with the error kept in c. */
static BOOL startCandidate(Candidate *c, PROCESS_INFORMATION *pi) {
    static wchar_t buf[32768];
    wcsncpy(buf, c->cmdline, 32767);
    buf[32767] = 0;
    STARTUPINFOW si;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (CreateProcessW(c->app, buf, NULL, NULL, FALSE, 0, NULL, NULL, &si, pi)) return TRUE;
    c->lastError = GetLastError();
    return FALSE;
}

/* Starts c once and waits; returns ms, or a negative number when the start failed or exit != 0. */
static double launchOnce(Candidate *c) {
    PROCESS_INFORMATION pi;
    LARGE_INTEGER t0, t1;
    QueryPerformanceCounter(&t0);
    if (!startCandidate(c, &pi)) return -1;
    WaitForSingleObject(pi.hProcess, INFINITE);
    QueryPerformanceCounter(&t1);
    DWORD code = 0;
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    if (code != 0) {
        c->lastExitCode = code;
        return -1;
    }
    return (double)(t1.QuadPart - t0.QuadPart) * 1000.0 / (double)freq.QuadPart;
}

typedef struct {
    int ok;
    PROCESS_MEMORY_COUNTERS_EX pmc;
    unsigned long long committedPrivate;
    DWORD exitCode;
} MemoryFigure;

/* Committed private memory of a process, region by region (VirtualQueryEx): what PrivateUsage
 * counts on Windows. Wine's GetProcessMemoryInfo leaves PrivateUsage 0 for other processes. */
static unsigned long long committedPrivate(HANDLE process) {
    unsigned long long total = 0;
    MEMORY_BASIC_INFORMATION mbi;
    char *at = NULL;
    while (VirtualQueryEx(process, at, &mbi, sizeof mbi) == sizeof mbi) {
        if (mbi.State == MEM_COMMIT && mbi.Type == MEM_PRIVATE) total += mbi.RegionSize;
        char *next = (char *)mbi.BaseAddress + mbi.RegionSize;
        if (next <= at) break;
        at = next;
    }
    return total;
}

static MemoryFigure measureMemory(Candidate *c) {
    MemoryFigure m;
    memset(&m, 0, sizeof m);
    PROCESS_INFORMATION pi;
    if (!startCandidate(c, &pi)) return m;
    Sleep(300);
    m.pmc.cb = sizeof m.pmc;
    m.ok = GetProcessMemoryInfo(pi.hProcess, (PROCESS_MEMORY_COUNTERS *)&m.pmc, sizeof m.pmc) ? 1 : 0;
    if (!m.ok) c->lastError = GetLastError();
    m.committedPrivate = committedPrivate(pi.hProcess);
    WaitForSingleObject(pi.hProcess, INFINITE);
    GetExitCodeProcess(pi.hProcess, &m.exitCode);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return m;
}

static void jsonString(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
        else if (ch < 0x20) fprintf(f, "\\u%04x", ch);
        else fputc(ch, f);
    }
    fputc('"', f);
}

int wmain(int argc, wchar_t **argv) {
    if (argc < 5) {
        fwprintf(stderr, L"usage: driver CANDIDATES ROUNDS PER_ROUND OUT.json [SLEEP_MS]\n");
        return 2;
    }
    int rounds = _wtoi(argv[2]), perRound = _wtoi(argv[3]);
    int sleepMs = argc > 5 ? _wtoi(argv[5]) : 1500;
    if (rounds < 1 || perRound < 1) return 2;
    if (!readCandidates(argv[1], rounds * perRound)) {
        fwprintf(stderr, L"driver: cannot read candidates from %ls\n", argv[1]);
        return 2;
    }
    QueryPerformanceFrequency(&freq);

    for (int i = 0; i < ncands; i++) launchOnce(&cands[i]); /* warm-up: caches, first-start costs */
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < perRound; k++) {
            for (int i = 0; i < ncands; i++) {
                double ms = launchOnce(&cands[i]);
                if (ms < 0) cands[i].failures++;
                else cands[i].samples[cands[i].count++] = ms;
            }
        }
        fwprintf(stderr, L"driver: round %d/%d done\n", r + 1, rounds);
    }

    MemoryFigure mem[MAX_CANDIDATES];
    wchar_t sleepText[16];
    swprintf(sleepText, 16, L"%d", sleepMs);
    SetEnvironmentVariableW(L"BENCH_SLEEP_MS", sleepText);
    for (int i = 0; i < ncands; i++) if (cands[i].memory) mem[i] = measureMemory(&cands[i]);
    SetEnvironmentVariableW(L"BENCH_SLEEP_MS", NULL);

    FILE *f = _wfopen(argv[4], L"wb");
    if (!f) return 3;
    fprintf(f, "{\"candidates\":[");
    for (int i = 0; i < ncands; i++) {
        Candidate *c = &cands[i];
        fprintf(f, "%s\n{\"name\":", i ? "," : "");
        jsonString(f, c->name);
        fprintf(f, ",\"failures\":%d,\"lastExitCode\":%lu,\"lastError\":%lu,\"samples\":[", c->failures,
                (unsigned long)c->lastExitCode, (unsigned long)c->lastError);
        for (int s = 0; s < c->count; s++) fprintf(f, "%s%.4f", s ? "," : "", c->samples[s]);
        fprintf(f, "]}");
    }
    fprintf(f, "],\n\"memory\":[");
    int first = 1;
    for (int i = 0; i < ncands; i++) {
        if (!cands[i].memory) continue;
        fprintf(f, "%s\n{\"name\":", first ? "" : ",");
        first = 0;
        jsonString(f, cands[i].name);
        fprintf(f, ",\"ok\":%s,\"peakWorkingSetBytes\":%llu,\"privateBytes\":%llu,\"workingSetBytes\":%llu,\"committedPrivateBytes\":%llu,\"exitCode\":%lu,\"lastError\":%lu}",
                mem[i].ok ? "true" : "false", (unsigned long long)mem[i].pmc.PeakWorkingSetSize,
                (unsigned long long)mem[i].pmc.PrivateUsage, (unsigned long long)mem[i].pmc.WorkingSetSize, mem[i].committedPrivate,
                (unsigned long)mem[i].exitCode, (unsigned long)cands[i].lastError);
    }
    fprintf(f, "]}\n");
    fclose(f);
    return 0;
}
