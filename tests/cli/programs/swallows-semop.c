/*
 * swallows-semop.c - planted bug for `shmfuzz enumerate` tests: a failed semop is ignored and
 * the program still reports success (exit 0), without retrying. Everything else is checked and
 * the set is removed, so the only non-ok cells are semop's: "swallowed".
 */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/sem.h>

int main(void)
{
    int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    if (id < 0) {
        perror("swallows-semop: semget");
        return 1;
    }
    /* SEM_UNDO: the kernel may fail to allocate the undo record (ENOMEM); a plain V on the
       program's own set never sleeps, so it cannot fail with EINTR (docs/faults.md) */
    struct sembuf up = {0, 1, SEM_UNDO};
    (void)semop(id, &up, 1); /* the bug: its failure is never looked at */
    if (semctl(id, 0, IPC_RMID) < 0) {
        perror("swallows-semop: semctl");
        return 1;
    }
    puts("posted");
    return 0;
}
