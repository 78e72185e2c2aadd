/* fdblock.c - walking the CRT fd block (fdblock.h). */
#include "fdblock.h"

static uint64_t read_le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

/* Sign-extends a 32-bit handle so -1 and -2 compare the same on every architecture. */
static int64_t handle_value(const uint8_t *p, size_t pointer_size)
{
    uint64_t raw = read_le(p, pointer_size);
    return pointer_size == 4 ? (int64_t)(int32_t)(uint32_t)raw : (int64_t)raw;
}

int fdblock_is_well_formed(const uint8_t *block, size_t size, size_t pointer_size)
{
    if (block == NULL || size < 4 || (pointer_size != 4 && pointer_size != 8))
        return 0;
    int32_t count = (int32_t)(uint32_t)read_le(block, 4);
    /* (size - 4) / (1 + pointer_size) entries fit; compare in that direction, no overflow. */
    return count >= 0 && (uint64_t)count <= (size - 4) / (1 + pointer_size);
}

size_t fdblock_for_each_owned_handle(const uint8_t *block, size_t size, size_t pointer_size,
                                     void (*close_fn)(void *ctx, uint64_t handle), void *ctx)
{
    if (!fdblock_is_well_formed(block, size, pointer_size))
        return 0;
    int32_t count = (int32_t)(uint32_t)read_le(block, 4);

    const uint8_t *flags = block + 4;
    const uint8_t *handles = flags + count;
    size_t closed = 0;
    for (int32_t fd = 3; fd < count; fd++) {
        if (!(flags[fd] & FD_FLAG_OPEN))
            continue; /* the parent's CRT left this slot empty: its value means nothing */
        int64_t h = handle_value(handles + (size_t)fd * pointer_size, pointer_size);
        if (h == 0 || h == -1 || h == -2)
            continue;
        close_fn(ctx, (uint64_t)h);
        closed++;
    }
    return closed;
}
