/*
 * unchecked.c - a black-box program with a planted bug: it ignores a shmat failure and
 * writes through (void *)-1, so an injected shmat error becomes a crash.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id == -1)
        return 1;
    char *p = shmat(id, NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    strcpy(p, "unchecked"); /* planted bug: p may be (void *)-1 */
    puts(p);
    shmdt(p);
    return 0;
}
