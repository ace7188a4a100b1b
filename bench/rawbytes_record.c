/*
 * rawbytes_record.c - raw-bytes baseline for the records pattern (see rawbytes.h): op byte,
 * slot byte, then index / count / name bytes where the call takes them. Waits are 0 ms: one
 * process must never block on itself.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <string.h>

#include "rawbytes.h"
#include "shmipc.h"

#define BASE 0x52420200u

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    (void)unshare(CLONE_NEWIPC);
    return 0;
}

static void make_record(struct rawbytes_in *in, struct shmipc_record *r)
{
    memset(r, 0, sizeof(*r));
    r->id = (int32_t)rawbytes_next(in);
    size_t len = rawbytes_next(in) % SHMIPC_NAME_LEN;
    memset(r->name, 'n', len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rawbytes_in in = {data, size};
    struct shmipc_records *h[RAWBYTES_SLOTS] = {0};
    struct shmipc_record rec;
    rawbytes_clear_keys(BASE);
    while (in.n > 0) {
        unsigned op = rawbytes_next(&in) % 9, s = rawbytes_next(&in) % RAWBYTES_SLOTS;
        key_t key = RAWBYTES_KEY(BASE, s);
        switch (op) {
        case 0:
            if (!h[s])
                h[s] = shmipc_records_create(key, 1 + rawbytes_next(&in) % 16);
            break;
        case 1:
            if (!h[s])
                h[s] = shmipc_records_open(key, rawbytes_next(&in) % 17);
            break;
        case 2:
            if (h[s])
                (void)shmipc_records_get(h[s], rawbytes_next(&in) % 20, &rec, 0);
            break;
        case 3:
            if (h[s]) {
                unsigned i = rawbytes_next(&in) % 20;
                make_record(&in, &rec);
                (void)shmipc_records_put(h[s], i, &rec, 0);
            }
            break;
        case 4:
            if (h[s])
                (void)shmipc_records_begin(h[s], rawbytes_next(&in) % 20, &rec, 0);
            break;
        case 5:
            if (h[s]) {
                make_record(&in, &rec);
                (void)shmipc_records_commit(h[s], &rec);
            }
            break;
        case 6:
            if (h[s])
                (void)shmipc_records_abort(h[s]);
            break;
        case 7:
            if (h[s] && shmipc_records_close(h[s]) == 0)
                h[s] = NULL;
            break;
        default:
            if (h[s] && shmipc_records_destroy(h[s]) == 0)
                h[s] = NULL;
            break;
        }
    }
    for (unsigned s = 0; s < RAWBYTES_SLOTS; s++)
        if (h[s]) {
            (void)shmipc_records_abort(h[s]);
            (void)shmipc_records_destroy(h[s]);
        }
    return 0;
}
