/*
 * ignores-shmat.c - planted bug for `shmfuzz enumerate` tests: the result of shmat is used
 * without checking for (void *)-1, so any shmat failure becomes a SIGSEGV. Everything else
 * is done right.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id < 0) {
        perror("ignores-shmat: shmget");
        return 1;
    }
    char *mem = shmat(id, NULL, 0); /* the planted bug: no check */
    strcpy(mem, "hello");
    printf("wrote %s\n", mem);
    int rc = 0;
    if (shmdt(mem) != 0) {
        perror("ignores-shmat: shmdt");
        rc = 1;
    }
    if (shmctl(id, IPC_RMID, NULL) != 0) {
        perror("ignores-shmat: shmctl(IPC_RMID)");
        rc = 1;
    }
    return rc;
}
