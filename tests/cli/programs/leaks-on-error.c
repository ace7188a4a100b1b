/*
 * leaks-on-error.c - planted bug for `shmfuzz enumerate` tests: when shmat fails the program
 * reports it and exits, but never removes the segment it has just created. The happy path
 * cleans up.
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
        perror("leaks-on-error: shmget");
        return 1;
    }
    char *mem = shmat(id, NULL, 0);
    if (mem == (void *)-1) {
        perror("leaks-on-error: shmat"); /* the planted bug: no IPC_RMID of id */
        return 1;
    }
    strcpy(mem, "hello");
    printf("wrote %s\n", mem);
    int rc = 0;
    if (shmdt(mem) != 0) {
        perror("leaks-on-error: shmdt");
        rc = 1;
    }
    if (shmctl(id, IPC_RMID, NULL) != 0) {
        perror("leaks-on-error: shmctl(IPC_RMID)");
        rc = 1;
    }
    return rc;
}
