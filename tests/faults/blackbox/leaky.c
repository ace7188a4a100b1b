/*
 * leaky.c - a black-box program with a planted leak: when shmat fails it returns without
 * removing the segment it created. Clean when nothing fails.
 */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(void)
{
    int id = shmget(0x5151, 4096, IPC_CREAT | IPC_EXCL | 0600);
    if (id == -1) {
        perror("leaky: shmget");
        return 1;
    }
    char *p = shmat(id, NULL, 0);
    if (p == (void *)-1) {
        perror("leaky: shmat");
        return 1; /* planted bug: the segment is left behind */
    }
    p[0] = 1;
    shmdt(p);
    shmctl(id, IPC_RMID, NULL);
    puts("leaky: done");
    return 0;
}
