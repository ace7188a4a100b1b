/*
 * ring.h - tutorial pattern 3: the bounded buffer and the three semaphores producer and
 * consumer agree on, with the P/V helpers every tutorial defines (no error checks).
 */
#ifndef TUTORIAL_RING_H
#define TUTORIAL_RING_H

#include <sys/sem.h>

#include "common.h"

struct ring {
    int buf[RING_SIZE];
    int in;  /* next slot to fill */
    int out; /* next slot to empty */
};

enum { SEM_EMPTY, SEM_FULL, SEM_MUTEX };

/* semctl(2): the caller defines this union. */
union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static inline void P(int semid, unsigned short num)
{
    struct sembuf op = {num, -1, 0};
    semop(semid, &op, 1);
}

static inline void V(int semid, unsigned short num)
{
    struct sembuf op = {num, 1, 0};
    semop(semid, &op, 1);
}

#endif /* TUTORIAL_RING_H */
