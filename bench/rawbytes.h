/*
 * rawbytes.h - shared bits of the raw-bytes baseline harnesses (figure 4): each input byte is
 * read straight as "which libshmipc call, with which small arguments", in one process, with no
 * program format, no fault plan and no oracle beyond what the sanitizers and libFuzzer's
 * timeout see. This is the harness a user writes in ten minutes; figure 4 measures what the
 * structure of shmfuzz programs buys over it.
 */
#ifndef BENCH_RAWBYTES_H
#define BENCH_RAWBYTES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>

#define RAWBYTES_SLOTS 4
#define RAWBYTES_KEY(base, slot) ((key_t)((base) + (slot)))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A cursor over the input: reading past the end yields zeros, so every input is usable. */
struct rawbytes_in {
    const uint8_t *p;
    size_t n;
};

static inline unsigned rawbytes_next(struct rawbytes_in *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

/* Remove whatever a previous input left under the slot keys, so inputs stay independent. */
static inline void rawbytes_clear_keys(unsigned base)
{
    for (unsigned s = 0; s < RAWBYTES_SLOTS; s++) {
        int id = shmget(RAWBYTES_KEY(base, s), 0, 0);
        if (id != -1)
            (void)shmctl(id, IPC_RMID, NULL);
        id = semget(RAWBYTES_KEY(base, s), 0, 0);
        if (id != -1)
            (void)semctl(id, 0, IPC_RMID);
    }
}

#endif /* BENCH_RAWBYTES_H */
