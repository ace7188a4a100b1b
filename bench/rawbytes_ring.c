/*
 * rawbytes_ring.c - raw-bytes baseline for the ring pattern (see rawbytes.h): op byte, slot
 * byte, then size / length / timeout bytes where the call takes them. Producer and consumer
 * live in the same process; a recv that blocks for good is what libFuzzer's -timeout reports.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <string.h>

#include "rawbytes.h"
#include "shmipc.h"

#define BASE 0x52420300u

static char msg[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    memset(msg, 'm', sizeof(msg));
    (void)unshare(CLONE_NEWIPC);
    return 0;
}

static enum shmipc_role role_of(unsigned b)
{
    return (b & 1) ? SHMIPC_CONSUMER : SHMIPC_PRODUCER;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rawbytes_in in = {data, size};
    struct shmipc_ring *h[RAWBYTES_SLOTS] = {0};
    char buf[512];
    rawbytes_clear_keys(BASE);
    while (in.n > 0) {
        unsigned op = rawbytes_next(&in) % 6, s = rawbytes_next(&in) % RAWBYTES_SLOTS;
        key_t key = RAWBYTES_KEY(BASE, s % 2); /* slots 0/2 and 1/3 share a ring */
        switch (op) {
        case 0:
            if (!h[s]) {
                unsigned slots = 1 + rawbytes_next(&in) % 8, max = 1 + rawbytes_next(&in);
                h[s] = shmipc_ring_create(key, slots, max, role_of(rawbytes_next(&in)));
            }
            break;
        case 1:
            if (!h[s])
                h[s] = shmipc_ring_open(key, role_of(rawbytes_next(&in)));
            break;
        case 2:
            if (h[s])
                (void)shmipc_ring_send(h[s], msg, rawbytes_next(&in), 0);
            break;
        case 3:
            if (h[s])
                (void)shmipc_ring_recv(h[s], buf, 1 + rawbytes_next(&in) * 2,
                                       (int)(rawbytes_next(&in) % 3));
            break;
        case 4:
            if (h[s] && shmipc_ring_close(h[s]) == 0)
                h[s] = NULL;
            break;
        default:
            if (h[s] && shmipc_ring_destroy(h[s]) == 0)
                h[s] = NULL;
            break;
        }
    }
    for (unsigned s = 0; s < RAWBYTES_SLOTS; s++)
        if (h[s] && shmipc_ring_destroy(h[s]) != 0)
            (void)shmipc_ring_close(h[s]);
    return 0;
}
