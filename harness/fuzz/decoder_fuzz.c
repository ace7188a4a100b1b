/*
 * decoder_fuzz.c - libFuzzer target for the program format alone (no executor): for every
 * input, decode must succeed (or report an unknown version), the canonical encoding must decode
 * to the same program, and the text form must parse back to the same program. Any violation
 * aborts. Run by the ctest harness.decoder-libfuzzer for ~20 s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmfuzz/program.h"
#include "shmfuzz/raw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *text)
{
    fprintf(stderr, "decoder_fuzz: %s\n%s\n", what, text ? text : "");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sfz_program a, b, c;
    static char text[16384], err[256];
    static uint8_t bin[SFZ_ENCODED_MAX];
    struct sfz_opset set;
    sfz_opset_init(&set, &sfz_raw_adapter);
    if (sfz_decode(&set, data, size, &a) != SFZ_DECODE_OK)
        return 0;
    long n = sfz_encode(&set, &a, bin, sizeof(bin));
    if (n < 0)
        fail("a decoded program does not encode", NULL);
    if (sfz_decode(&set, bin, (size_t)n, &b) != SFZ_DECODE_OK)
        fail("the canonical encoding does not decode", NULL);
    b.version = a.version;
    if (memcmp(&a, &b, sizeof(a)) != 0)
        fail("decode(encode(p)) != p", NULL);
    size_t len = sfz_program_print(&set, &a, text, sizeof(text));
    unsigned line = 0;
    if (len >= sizeof(text) || sfz_program_parse(&set, text, len, &c, &line, err, sizeof(err)))
        fail(err, text);
    c.version = a.version;
    if (memcmp(&a, &c, sizeof(a)) != 0)
        fail("parse(print(p)) != p", text);
    return 0;
}
