/*
 * correct.c - a small shm program written carefully, for `shmfuzz enumerate` tests: every
 * call is checked, an interrupted semop is retried, every failure says why, undoes what was
 * set up and exits 1. Enumerating it must report nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>

static int shm_id = -1, sem_id = -1;
static void *mem = (void *)-1;

/* Undo whatever exists; 0 if all of it went. */
static int cleanup(void)
{
    int rc = 0;
    if (mem != (void *)-1 && shmdt(mem) != 0) {
        perror("correct: shmdt");
        rc = -1;
    }
    if (shm_id >= 0 && shmctl(shm_id, IPC_RMID, NULL) != 0) {
        perror("correct: shmctl(IPC_RMID)");
        rc = -1;
    }
    if (sem_id >= 0 && semctl(sem_id, 0, IPC_RMID) != 0) {
        perror("correct: semctl(IPC_RMID)");
        rc = -1;
    }
    return rc;
}

static int fail(const char *what)
{
    perror(what);
    cleanup();
    return 1;
}

static int sem_change(int delta)
{
    struct sembuf op = {0, (short)delta, 0};
    while (semop(sem_id, &op, 1) != 0) {
        if (errno != EINTR)
            return -1;
    }
    return 0;
}

int main(void)
{
    shm_id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (shm_id < 0)
        return fail("correct: shmget");
    mem = shmat(shm_id, NULL, 0);
    if (mem == (void *)-1)
        return fail("correct: shmat");
    sem_id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    if (sem_id < 0)
        return fail("correct: semget");
    if (semctl(sem_id, 0, SETVAL, 1) != 0)
        return fail("correct: semctl(SETVAL)");
    if (sem_change(-1) != 0)
        return fail("correct: semop(P)");
    strcpy(mem, "hello");
    if (sem_change(1) != 0)
        return fail("correct: semop(V)");
    printf("wrote %s\n", (char *)mem);
    return cleanup() == 0 ? 0 : 1;
}
