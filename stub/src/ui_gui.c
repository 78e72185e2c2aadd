/*
 * ui_gui.c - the GUI variant (subsystem windows, no console window).
 *
 * Errors go to stderr when the caller gave us one, else to a message box: a GUI launcher
 * started from Explorer has nowhere else to say why nothing happened. Only errors get a box,
 * never warnings (uv #10706).
 */
#include "diag.h"

void ui_show_error(bchar *line, size_t len)
{
    if (write_stderr(line, len))
        return;
    line[len - 2] = 0; /* a message box needs no "\r\n" */
    MessageBoxW(NULL, line, u"Bounce launcher", MB_ICONERROR);
}

/*
 * Windows shows the "app starting" cursor until a started GUI program reads its message queue.
 * The launcher never shows a window, so read one message we post to ourselves: the cursor
 * goes back to normal at once instead of after a time-out (as distlib and uv do).
 */
void ui_after_spawn(void)
{
    uint64_t msg[8]; /* MSG is at most 48 bytes */
    PostMessageW(NULL, 0, 0, 0);
    GetMessageW(msg, NULL, 0, 0);
}
