/* payload.c - decoder for the payload format documented in payload.h and docs/format.md. */
#include "payload.h"

static uint32_t read_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* A NUL unit would silently cut a path or argument short in Win32 calls: refuse it. */
static int text_has_nul(le_text t)
{
    for (uint32_t i = 0; i < t.len; i++)
        if (t.units[2 * i] == 0 && t.units[2 * i + 1] == 0)
            return 1;
    return 0;
}

payload_status payload_parse(const uint8_t *data, size_t size, payload *out)
{
    if (data == NULL || size < PAYLOAD_HEADER_SIZE)
        return PAYLOAD_TRUNCATED;
    if ((uintptr_t)data & 1)
        return PAYLOAD_MISALIGNED;
    if (data[0] != 'B' || data[1] != 'N' || data[2] != 'C' || data[3] != 'E')
        return PAYLOAD_BAD_MAGIC;
    if ((data[4] | (data[5] << 8)) != PAYLOAD_VERSION)
        return PAYLOAD_BAD_VERSION;

    out->kind = data[6];
    out->flags = data[7];
    if (out->kind != KIND_SCRIPT && out->kind != KIND_PROXY && out->kind != KIND_EXEC)
        return PAYLOAD_BAD_KIND;
    /* An unknown flag means a newer builder asked for something this stub cannot do. */
    if (out->flags & ~FLAG_ALLOW_BREAKAWAY)
        return PAYLOAD_BAD_FLAGS;

    uint32_t program = read_u32(data + 8), args = read_u32(data + 12);
    uint32_t script = read_u32(data + 16), zip = read_u32(data + 20);
    /* Each text must fit in one command line; checking that first keeps the sums below far
     * from overflow on 32-bit targets. */
    if (program == 0 || program >= BOUNCE_MAX_COMMAND_LINE || args >= BOUNCE_MAX_COMMAND_LINE ||
        script >= BOUNCE_MAX_COMMAND_LINE)
        return PAYLOAD_BAD_LENGTH;
    if (out->kind != KIND_EXEC && script != 0)
        return PAYLOAD_BAD_LENGTH;
    if (out->kind != KIND_SCRIPT && zip != 0)
        return PAYLOAD_BAD_LENGTH;

    size_t text_end = PAYLOAD_HEADER_SIZE + 2 * ((size_t)program + args + script);
    size_t zip_start = (text_end + 3) & ~(size_t)3;
    if (zip_start > size || size - zip_start != zip)
        return PAYLOAD_BAD_LENGTH;

    out->program = (le_text){data + PAYLOAD_HEADER_SIZE, program};
    out->args = (le_text){out->program.units + 2 * (size_t)program, args};
    out->script = (le_text){out->args.units + 2 * (size_t)args, script};
    out->zip_size = zip;
    /* The three texts are contiguous: one scan covers them all. */
    if (text_has_nul((le_text){out->program.units, program + args + script}))
        return PAYLOAD_BAD_TEXT;
    return PAYLOAD_OK;
}

const char *payload_status_text(payload_status status)
{
    /* One string per status, in enum order, packed: every byte here is a byte of every
     * launcher, and a table of pointers would need relocations. */
    static const char texts[] = "ok\0"
                                "payload truncated in\0"
                                "payload without BNCE signature in\0"
                                "payload version unknown to this stub in\0"
                                "payload kind unknown in\0"
                                "payload flags unknown to this stub in\0"
                                "payload lengths inconsistent in\0"
                                "payload text with a NUL character in\0"
                                "payload misaligned in\0"
                                "payload invalid in";
    const char *text = texts;
    unsigned skip = status > PAYLOAD_MISALIGNED ? PAYLOAD_MISALIGNED + 1 : status;
    while (skip-- > 0)
        while (*text++ != 0)
            ;
    return text;
}
