/*
 * consumer.c - tutorial pattern 3, consumer side: attaches the ring and semaphores of the
 * fixed key, takes N numbers out of the ring, then removes both objects. As in the tutorials it
 * waits with a plain semop: if the producer dies it waits forever.
 * usage: tutorial-consumer [N]
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

    for (int i = 0; i < n; i++) {
        P(semid, SEM_FULL);
        P(semid, SEM_MUTEX);
        int item = r->buf[r->out];
        r->out = (r->out + 1) % RING_SIZE;
        V(semid, SEM_MUTEX);
        V(semid, SEM_EMPTY);
        printf("consumed %d\n", item);
    }
    shmdt(r);
    shmctl(shmid, IPC_RMID, NULL);
    semctl(semid, 0, IPC_RMID);
    return 0;
}
