/* ui_console.c - the console variant: errors go to stderr, nothing else to do. */
#include "diag.h"

void ui_show_error(bchar *line, size_t len)
{
    write_stderr(line, len);
}

void ui_after_spawn(void)
{
}
