/*
 * correct.c - a black-box program that handles every failure of its shm calls and cleans up
 * on every path: under any fault it reports the error and exits 1, never crashes, never leaks.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id == -1) {
        perror("correct: shmget");
        return 1;
    }
    char *p = shmat(id, NULL, 0);
    if (p == (void *)-1) {
        perror("correct: shmat");
        shmctl(id, IPC_RMID, NULL);
        return 1;
    }
    strcpy(p, "hello");
    int rc = 0;
    if (shmdt(p) == -1) {
        perror("correct: shmdt");
        rc = 1;
    }
    if (shmctl(id, IPC_RMID, NULL) == -1) {
        perror("correct: shmctl");
        return 1;
    }
    if (rc == 0)
        puts("correct: done");
    return rc;
}
