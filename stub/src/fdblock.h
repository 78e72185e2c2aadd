/*
 * fdblock.h - the C runtime's inherited-fd block (STARTUPINFO.lpReserved2), facts §2:
 *
 *   int32 N | u8 flags[N] | HANDLE handles[N] (pointer-sized, unaligned)
 *
 * The launcher passes the block to its child unchanged, so the child sees the same fds; the
 * launcher also inherited every handle in it and must close its own copies, or a pipe never
 * reaches EOF while the launcher lives. This is the bug that started the project (uv PR 6955):
 * posy and uv stepped the wrong number of bytes and crashed on blocks they misread, and neither
 * uv nor distlib checks the size in arithmetic that cannot overflow.
 */
#ifndef BOUNCE_FDBLOCK_H
#define BOUNCE_FDBLOCK_H

#include "pure.h"

#define FD_FLAG_OPEN 0x01

/*
 * Calls `close_fn(ctx, handle)` for each handle the launcher owns a copy of: fds 3 and up whose
 * flags say open, except the values 0, -1 (not inherited) and -2 (no console). Does nothing
 * unless 0 <= N and size >= 4 + N + N * pointer_size; `pointer_size` is 4 or 8. Returns the
 * number of handles passed to close_fn.
 */
size_t fdblock_for_each_owned_handle(const uint8_t *block, size_t size, size_t pointer_size,
                                     void (*close_fn)(void *ctx, uint64_t handle), void *ctx);

/*
 * Whether the block passes that size check: non-NULL, at least 4 bytes, 0 <= N and
 * size >= 4 + N + N * pointer_size, computed without overflow. A C runtime that parses the
 * block without it (Wine's msvcrt, which loading user32 loads) crashes on one that fails it.
 */
int fdblock_is_well_formed(const uint8_t *block, size_t size, size_t pointer_size);

#endif
