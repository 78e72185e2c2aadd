/*
 * win32.h - the few Win32 declarations the stub uses, written out so the build needs no
 * Windows SDK or mingw headers: Debian's clang and lld plus import libraries made by
 * llvm-dlltool from kernel32.def are the whole toolchain.
 */
#ifndef BOUNCE_WIN32_H
#define BOUNCE_WIN32_H

#include "pure.h"

#define WINAPI __stdcall
#define IMPORT __declspec(dllimport)

typedef int BOOL;
typedef uint32_t DWORD;
typedef uint16_t WORD;
typedef uint32_t UINT;
typedef void *HANDLE;
typedef HANDLE HMODULE, HRSRC, HGLOBAL, HWND;
typedef uintptr_t WPARAM;
typedef intptr_t LPARAM;
typedef bchar WCHAR;

typedef struct {
    DWORD cb;
    WCHAR *lpReserved, *lpDesktop, *lpTitle;
    DWORD dwX, dwY, dwXSize, dwYSize, dwXCountChars, dwYCountChars, dwFillAttribute, dwFlags;
    WORD wShowWindow, cbReserved2;
    uint8_t *lpReserved2;
    HANDLE hStdInput, hStdOutput, hStdError;
} STARTUPINFOW;

typedef struct {
    HANDLE hProcess, hThread;
    DWORD dwProcessId, dwThreadId;
} PROCESS_INFORMATION;

typedef struct {
    int64_t PerProcessUserTimeLimit, PerJobUserTimeLimit;
    DWORD LimitFlags;
    size_t MinimumWorkingSetSize, MaximumWorkingSetSize;
    DWORD ActiveProcessLimit;
    uintptr_t Affinity;
    DWORD PriorityClass, SchedulingClass;
} JOBOBJECT_BASIC_LIMIT_INFORMATION;

typedef struct {
    JOBOBJECT_BASIC_LIMIT_INFORMATION BasicLimitInformation;
    uint64_t IoInfo[6];
    size_t ProcessMemoryLimit, JobMemoryLimit, PeakProcessMemoryUsed, PeakJobMemoryUsed;
} JOBOBJECT_EXTENDED_LIMIT_INFORMATION;

typedef BOOL(WINAPI *PHANDLER_ROUTINE)(DWORD event);

#define INVALID_HANDLE_VALUE ((HANDLE)(intptr_t)-1)
#define INFINITE 0xFFFFFFFFu
#define MAX_PATH 260u
#define STD_INPUT_HANDLE ((DWORD)-10)
#define STD_OUTPUT_HANDLE ((DWORD)-11)
#define STD_ERROR_HANDLE ((DWORD)-12)
#define HANDLE_FLAG_INHERIT 0x1u
#define FILE_TYPE_PIPE 0x3u
#define STARTF_USESTDHANDLES 0x100u
#define STARTF_USEHOTKEY 0x200u
#define CREATE_SUSPENDED 0x4u
#define CTRL_C_EVENT 0u
#define CTRL_BREAK_EVENT 1u
#define JobObjectExtendedLimitInformation 9
#define JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK 0x1000u
#define JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE 0x2000u
#define RT_RCDATA ((const WCHAR *)(uintptr_t)10)
#define FORMAT_MESSAGE_IGNORE_INSERTS 0x200u
#define FORMAT_MESSAGE_FROM_SYSTEM 0x1000u
#define ERROR_INSUFFICIENT_BUFFER 122u
#define CP_UTF8 65001u
#define MB_ICONERROR 0x10u

IMPORT DWORD WINAPI GetModuleFileNameW(HMODULE module, WCHAR *name, DWORD size);
IMPORT DWORD WINAPI GetLastError(void);
IMPORT HRSRC WINAPI FindResourceW(HMODULE module, const WCHAR *name, const WCHAR *type);
IMPORT HGLOBAL WINAPI LoadResource(HMODULE module, HRSRC res);
IMPORT void *WINAPI LockResource(HGLOBAL data);
IMPORT DWORD WINAPI SizeofResource(HMODULE module, HRSRC res);
IMPORT WCHAR *WINAPI GetCommandLineW(void);
IMPORT void WINAPI GetStartupInfoW(STARTUPINFOW *info);
IMPORT HANDLE WINAPI GetStdHandle(DWORD which);
IMPORT BOOL WINAPI SetHandleInformation(HANDLE h, DWORD mask, DWORD flags);
IMPORT DWORD WINAPI GetFileType(HANDLE h);
IMPORT BOOL WINAPI CreateProcessW(const WCHAR *app, WCHAR *cmd, void *pattr, void *tattr,
                                  BOOL inherit, DWORD flags, void *env, const WCHAR *cwd,
                                  STARTUPINFOW *si, PROCESS_INFORMATION *pi);
IMPORT HANDLE WINAPI CreateJobObjectW(void *attr, const WCHAR *name);
IMPORT BOOL WINAPI SetInformationJobObject(HANDLE job, int cls, void *info, DWORD size);
IMPORT BOOL WINAPI AssignProcessToJobObject(HANDLE job, HANDLE process);
IMPORT DWORD WINAPI ResumeThread(HANDLE thread);
IMPORT BOOL WINAPI TerminateProcess(HANDLE process, UINT code);
IMPORT BOOL WINAPI CloseHandle(HANDLE h);
IMPORT DWORD WINAPI GetTempPathW(DWORD size, WCHAR *buf);
IMPORT BOOL WINAPI SetCurrentDirectoryW(const WCHAR *path);
IMPORT DWORD WINAPI WaitForSingleObject(HANDLE h, DWORD ms);
IMPORT BOOL WINAPI GetExitCodeProcess(HANDLE process, DWORD *code);
IMPORT __declspec(noreturn) void WINAPI ExitProcess(UINT code);
IMPORT BOOL WINAPI SetStdHandle(DWORD which, HANDLE h);
IMPORT BOOL WINAPI SetConsoleCtrlHandler(PHANDLER_ROUTINE handler, BOOL add);
IMPORT HANDLE WINAPI GetProcessHeap(void);
IMPORT void *WINAPI HeapAlloc(HANDLE heap, DWORD flags, size_t bytes);
IMPORT DWORD WINAPI FormatMessageW(DWORD flags, const void *src, DWORD id, DWORD lang,
                                   WCHAR *buf, DWORD size, void *args);
IMPORT BOOL WINAPI GetConsoleMode(HANDLE h, DWORD *mode);
IMPORT BOOL WINAPI WriteConsoleW(HANDLE h, const void *buf, DWORD n, DWORD *written, void *r);
IMPORT BOOL WINAPI WriteFile(HANDLE h, const void *buf, DWORD n, DWORD *written, void *ov);
IMPORT int WINAPI WideCharToMultiByte(UINT cp, DWORD flags, const WCHAR *w, int wn, char *s,
                                      int sn, const char *def, BOOL *used);
typedef void (*FARPROC)(void);
IMPORT HMODULE WINAPI LoadLibraryW(const WCHAR *name);
IMPORT FARPROC WINAPI GetProcAddress(HMODULE module, const char *name);

/* user32, GUI variant only (ui_gui.c), loaded at run time. */
typedef BOOL(WINAPI *PostMessageW_fn)(HWND hwnd, UINT msg, WPARAM w, LPARAM l);
typedef BOOL(WINAPI *GetMessageW_fn)(void *msg, HWND hwnd, UINT min, UINT max);
typedef int(WINAPI *MessageBoxW_fn)(HWND hwnd, const WCHAR *text, const WCHAR *caption, UINT type);

#endif
