/*
 * ub-on-error.c - undefined behaviour only on an error path: when shmat fails the program
 * computes a back-off delay that overflows a signed int. The happy path is correct.
 */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>

static volatile int attempts = 3; /* volatile: computed at run time, not folded */

__attribute__((noinline)) static int backoff_us(int attempt)
{
    return attempt * 1000000000; /* the planted bug: overflows from attempt 3 on */
}

int main(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id < 0) {
        perror("ub-on-error: shmget");
        return 1;
    }
    char *mem = shmat(id, NULL, 0);
    if (mem == (void *)-1) {
        perror("ub-on-error: shmat");
        fprintf(stderr, "ub-on-error: would retry in %d us\n", backoff_us(attempts));
        shmctl(id, IPC_RMID, NULL);
        return 1;
    }
    mem[0] = 'x';
    int rc = 0;
    if (shmdt(mem) != 0) {
        perror("ub-on-error: shmdt");
        rc = 1;
    }
    if (shmctl(id, IPC_RMID, NULL) != 0) {
        perror("ub-on-error: shmctl(IPC_RMID)");
        rc = 1;
    }
    return rc;
}
