/*
 * payload.h - the launcher's payload: what to start, read from the stub's own PE resource
 * RT_RCDATA "BOUNCE". The format is documented in docs/format.md; src/payload.ts is its
 * encoder and this is its decoder. Keep the three in step.
 *
 *   offset size  field
 *   0      4     magic "BNCE"
 *   4      2     format version, 1 (u16 LE)
 *   6      1     kind: 1 script, 2 proxy, 3 exec
 *   7      1     flags: bit 0 = grandchildren may break away from the job; others must be 0
 *   8      4     program length, UTF-16 units (u32 LE), 1..32766
 *   12     4     fixed-arguments length, UTF-16 units (u32 LE), already quoted by the builder
 *   16     4     script length, UTF-16 units (u32 LE); exec kind only, 0 = no script
 *   20     4     zip length in bytes (u32 LE); script kind only (CPython reads it, the stub not)
 *   24     ...   program, arguments, script (UTF-16LE, no NULs), zero padding to a multiple
 *                of 4, then the zip; nothing after it
 */
#ifndef BOUNCE_PAYLOAD_H
#define BOUNCE_PAYLOAD_H

#include "pure.h"

#define PAYLOAD_HEADER_SIZE 24u
#define PAYLOAD_VERSION 1u

enum payload_kind { KIND_SCRIPT = 1, KIND_PROXY = 2, KIND_EXEC = 3 };
enum payload_flag { FLAG_ALLOW_BREAKAWAY = 0x01 };

typedef struct {
    const uint8_t *units; /* UTF-16LE, unaligned */
    uint32_t len;         /* in units */
} le_text;

typedef struct {
    uint8_t kind;
    uint8_t flags;
    le_text program;
    le_text args;
    le_text script;
    uint32_t zip_size;
} payload;

typedef enum {
    PAYLOAD_OK = 0,
    PAYLOAD_TRUNCATED,
    PAYLOAD_BAD_MAGIC,
    PAYLOAD_BAD_VERSION,
    PAYLOAD_BAD_KIND,
    PAYLOAD_BAD_FLAGS,
    PAYLOAD_BAD_LENGTH,
    PAYLOAD_BAD_TEXT,
    PAYLOAD_MISALIGNED, /* at an odd address: its texts could not be read in place */
} payload_status;

/* Validates `size` bytes at `data` and fills `out` with views into them. Never reads out of
 * bounds, whatever the input. */
payload_status payload_parse(const uint8_t *data, size_t size, payload *out);

/* A short English reason for a status, for the error line. */
const char *payload_status_text(payload_status status);

#endif
