/*
 * reader.c - the exec'd half of handoff.c: waits for the writer's semaphore (retrying an
 * interrupted wait), attaches the segment read-only, checks the message, detaches.
 * PLANTED DEFECT (-DBUGGY, e-reader-bug): shmat's result is not checked, so a failed
 * attach is dereferenced: a crash of the reader (shmat@1, any errno; SIGSEGV).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: e-reader SHMID SEMID\n");
        return 2;
    }
    int shmid = atoi(argv[1]), semid = atoi(argv[2]);
    struct sembuf p = {0, -1, 0};
    while (semop(semid, &p, 1) != 0)
        if (errno != EINTR) {
            perror("reader: semop(P)");
            return 1;
        }
    const char *msg = shmat(shmid, NULL, SHM_RDONLY);
#ifndef BUGGY
    if (msg == (void *)-1) {
        perror("reader: shmat");
        return 1;
    }
#endif
    if (strcmp(msg, "hello") != 0) {
        fprintf(stderr, "reader: unexpected message\n");
        return 1;
    }
    if (shmdt(msg) != 0) {
        perror("reader: shmdt");
        return 1;
    }
    return 0;
}
