/*
 * rawbytes_kv.c - raw-bytes baseline for the kv pattern (see rawbytes.h): op byte, slot byte,
 * then a length byte where the call takes one.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <string.h>

#include "rawbytes.h"
#include "shmipc.h"

#define BASE 0x52420100u

static char text[256];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    memset(text, 'x', sizeof(text));
    (void)unshare(CLONE_NEWIPC); /* fixed keys: keep them away from the host's */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rawbytes_in in = {data, size};
    struct shmipc_kv *h[RAWBYTES_SLOTS] = {0};
    char buf[300];
    rawbytes_clear_keys(BASE);
    while (in.n > 0) {
        unsigned op = rawbytes_next(&in) % 6, s = rawbytes_next(&in) % RAWBYTES_SLOTS;
        key_t key = RAWBYTES_KEY(BASE, s);
        switch (op) {
        case 0:
            if (!h[s])
                h[s] = shmipc_kv_create(key, 1 + rawbytes_next(&in));
            break;
        case 1:
            if (!h[s])
                h[s] = shmipc_kv_open(key);
            break;
        case 2:
            if (h[s])
                (void)shmipc_kv_put(h[s], text, rawbytes_next(&in));
            break;
        case 3:
            if (h[s])
                (void)shmipc_kv_get(h[s], buf, 1 + rawbytes_next(&in));
            break;
        case 4:
            if (h[s] && shmipc_kv_close(h[s]) == 0)
                h[s] = NULL;
            break;
        default:
            if (h[s] && shmipc_kv_destroy(h[s]) == 0)
                h[s] = NULL;
            break;
        }
    }
    for (unsigned s = 0; s < RAWBYTES_SLOTS; s++)
        if (h[s])
            (void)shmipc_kv_destroy(h[s]);
    return 0;
}
