/*
 * degrade.c - shared memory as an optional cache: when the segment cannot be had, the program
 * says so on stderr and carries on without it (exit 0): a failure reported and degraded from
 * gracefully is handled. With the cache it attaches, uses, detaches and removes it.
 * PLANTED DEFECT (-DBUGGY): a failed shmget is passed over in silence; the program carries on
 * as if nothing happened and nobody can tell (shmget@1: swallowed).
 */
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

static long compute(char *cache)
{
    long sum = 0;
    for (int i = 0; i < 1000; i++)
        sum += i;
    if (cache)
        snprintf(cache, 64, "%ld", sum);
    return sum;
}

int main(void)
{
    char *cache = NULL;
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id < 0) {
#ifndef BUGGY
        perror("degrade: no shared cache (shmget), running without it");
#endif
    } else if ((cache = shmat(id, NULL, 0)) == (void *)-1) {
        perror("degrade: no shared cache (shmat), running without it");
        cache = NULL;
    }
    printf("%ld\n", compute(cache));
    if (cache != NULL && shmdt(cache) != 0)
        perror("degrade: shmdt");
    if (id >= 0 && shmctl(id, IPC_RMID, NULL) != 0) {
        perror("degrade: shmctl(IPC_RMID)");
        return 1;
    }
    return 0;
}
