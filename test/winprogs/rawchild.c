/*
 * rawchild.c - a child without a C runtime, for the hostile fd-block tests.
 *
 * msvcrt itself parses STARTUPINFO.lpReserved2 before main(): Wine's msvcrt crashes on a block
 * with N = 0x7fffffff or a negative N, so a probe built on msvcrt cannot tell a launcher crash
 * from its own. This child never looks at the block: if it exits with 7, it ran, and the
 * launcher in front of it survived whatever block it was given.
 *
 * Built for x64 and, for the x86 launchers, i686 (test/support/wine.ts): the linker's entry
 * symbol is rawchild_entry on x64 and _rawchild_entry on i686, where C names carry a leading
 * underscore. The entry never returns, so its calling convention does not matter.
 */
__declspec(dllimport) void __stdcall Sleep(unsigned long ms);
__declspec(dllimport) __declspec(noreturn) void __stdcall ExitProcess(unsigned int code);

void rawchild_entry(void)
{
    Sleep(200);
    ExitProcess(7);
}
