/*
 * rawbytes_file.c - raw-bytes baseline for the POSIX shm file pattern (see rawbytes.h): op
 * byte, slot byte, then a length byte where the call takes one. Names carry the pid so two
 * runs never share /dev/shm objects.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rawbytes.h"
#include "shmipc.h"

static char text[256];
static char names[RAWBYTES_SLOTS][40];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    memset(text, 'x', sizeof(text));
    for (unsigned s = 0; s < RAWBYTES_SLOTS; s++)
        snprintf(names[s], sizeof(names[s]), "/rawbytes-%ld-%u", (long)getpid(), s);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rawbytes_in in = {data, size};
    struct shmipc_file *h[RAWBYTES_SLOTS] = {0};
    char buf[300];
    for (unsigned s = 0; s < RAWBYTES_SLOTS; s++)
        (void)shm_unlink(names[s]);
    while (in.n > 0) {
        unsigned op = rawbytes_next(&in) % 6, s = rawbytes_next(&in) % RAWBYTES_SLOTS;
        switch (op) {
        case 0:
            if (!h[s])
                h[s] = shmipc_file_create(names[s], 1 + rawbytes_next(&in));
            break;
        case 1:
            if (!h[s])
                h[s] = shmipc_file_open(names[s]);
            break;
        case 2:
            if (h[s])
                (void)shmipc_file_put(h[s], text, rawbytes_next(&in));
            break;
        case 3:
            if (h[s])
                (void)shmipc_file_get(h[s], buf, 1 + rawbytes_next(&in));
            break;
        case 4:
            if (h[s] && shmipc_file_close(h[s]) == 0)
                h[s] = NULL;
            break;
        default:
            if (h[s] && shmipc_file_destroy(h[s]) == 0)
                h[s] = NULL;
            break;
        }
    }
    for (unsigned s = 0; s < RAWBYTES_SLOTS; s++)
        if (h[s])
            (void)shmipc_file_destroy(h[s]);
    for (unsigned s = 0; s < RAWBYTES_SLOTS; s++)
        (void)shm_unlink(names[s]);
    return 0;
}
