/*
 * ui_gui.c - the GUI variant (subsystem windows, no console window).
 *
 * Errors go to stderr when the caller gave us one, else to a message box: a GUI launcher
 * started from Explorer has nowhere else to say why nothing happened. Only errors get a box,
 * never warnings (uv #10706).
 *
 * user32 is loaded at run time, and only when the CRT fd block (STARTUPINFO.lpReserved2) is
 * absent or well-formed. Loading user32 loads a C runtime DLL (under Wine 8: msvcrt.dll, among
 * user32's dependencies), whose start-up code parses that block without a size check and
 * crashes on a hostile one (N = 0x7fffffff; on 64-bit also N < 0). Imported statically, user32
 * crashed the launcher before its first instruction; loaded after the spawn, it would take the
 * child down with the job. With a hostile block the GUI launcher does without the box and the
 * cursor fix.
 */
#include "diag.h"
#include "fdblock.h"

/* user32, or NULL when the fd block is hostile (see above) or it cannot be loaded. */
static HMODULE load_user32(void)
{
    STARTUPINFOW si = {0};
    si.cb = sizeof si;
    GetStartupInfoW(&si);
    if (si.lpReserved2 != NULL && si.cbReserved2 != 0 &&
        !fdblock_is_well_formed(si.lpReserved2, si.cbReserved2, sizeof(HANDLE)))
        return NULL;
    return LoadLibraryW(u"user32.dll");
}

void ui_show_error(bchar *line, size_t len)
{
    if (write_stderr(line, len))
        return;
    HMODULE user32 = load_user32();
    MessageBoxW_fn box = user32 ? (MessageBoxW_fn)GetProcAddress(user32, "MessageBoxW") : NULL;
    if (!box)
        return; /* the exit code still tells */
    line[len - 2] = 0; /* a message box needs no "\r\n" */
    box(NULL, line, u"Bounce launcher", MB_ICONERROR);
}

/*
 * Windows shows the "app starting" cursor until a started GUI program reads its message queue.
 * The launcher never shows a window, so read one message we post to ourselves: the cursor
 * goes back to normal at once instead of after a time-out (as distlib and uv do).
 */
void ui_after_spawn(void)
{
    HMODULE user32 = load_user32();
    if (!user32)
        return;
    PostMessageW_fn post = (PostMessageW_fn)GetProcAddress(user32, "PostMessageW");
    GetMessageW_fn get = (GetMessageW_fn)GetProcAddress(user32, "GetMessageW");
    if (!post || !get)
        return;
    uint64_t msg[8]; /* MSG is at most 48 bytes */
    post(NULL, 0, 0, 0);
    get(msg, NULL, 0, 0);
}
