/*
 * producer.c - tutorial pattern 3, producer side: creates the ring segment and the
 * empty/full/mutex semaphores (0666), initialises them, and puts the numbers 1..N in the ring.
 * As in the tutorials: no error checks, semop failures ignored, nothing removed at the end
 * (the consumer does that, if it gets to).
 * usage: tutorial-producer [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "ring.h"

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10;
    int shmid = shmget(RING_KEY, sizeof(struct ring), IPC_CREAT | 0666);
    struct ring *r = (struct ring *)shmat(shmid, NULL, 0);
    int semid = semget(RING_KEY, 3, IPC_CREAT | 0666);
    union semun arg;

    arg.val = RING_SIZE;
    semctl(semid, SEM_EMPTY, SETVAL, arg);
    arg.val = 0;
    semctl(semid, SEM_FULL, SETVAL, arg);
    arg.val = 1;
    semctl(semid, SEM_MUTEX, SETVAL, arg);
    r->in = 0;
    r->out = 0;

    for (int item = 1; item <= n; item++) {
        P(semid, SEM_EMPTY);
        P(semid, SEM_MUTEX);
        r->buf[r->in] = item;
        r->in = (r->in + 1) % RING_SIZE;
        printf("produced %d\n", item);
        V(semid, SEM_MUTEX);
        V(semid, SEM_FULL);
    }
    shmdt(r);
    return 0;
}
