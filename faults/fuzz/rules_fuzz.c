/*
 * rules_fuzz.c - libFuzzer target for libshmfault's rule parser alone: for any bytes, checking
 * a spec never crashes, a refusal names a position inside the spec and a one-line message, the
 * verdict is the same twice, and a spec that checks also loads (and clears) as the active set.
 * Run by the ctest faults.rules-libfuzzer for ~20 s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmfault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *spec, const struct shmfault_error *err)
{
    fprintf(stderr, "rules_fuzz: %s\nspec: '%s'\npos %d: %s\n", what, spec, err->pos, err->msg);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char spec[4097];
    struct shmfault_error a, b;
    if (size >= sizeof(spec))
        return 0;
    memcpy(spec, data, size);
    spec[size] = '\0';
    size_t len = strlen(spec); /* a NUL inside ends the spec, as for any C string */
    memset(&a, 0x5a, sizeof(a));
    int rc = shmfault_rules_check(spec, &a);
    int again = shmfault_rules_check(spec, &b);
    if (rc != again)
        fail("same spec, different verdicts", spec, &a);
    if (rc != 0) {
        if (memchr(a.msg, '\0', sizeof(a.msg)) == NULL || a.msg[0] == '\0' ||
            strchr(a.msg, '\n') != NULL)
            fail("refusal without a one-line message", spec, &a);
        if (a.pos < -1 || a.pos > (int)len)
            fail("refusal position outside the spec", spec, &a);
        return 0;
    }
    if (shmfault_rules_set(spec, &a) != 0)
        fail("checked but does not load", spec, &a);
    shmfault_rules_clear();
    return 0;
}
