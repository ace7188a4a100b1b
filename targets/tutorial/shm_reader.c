/*
 * shm_reader.c - tutorial pattern 1, reader side: attach the segment of the fixed key, print
 * the line and remove the segment. As in the tutorials it also passes IPC_CREAT, so a reader
 * started first silently invents an empty segment, and it checks nothing.
 * usage: tutorial-shm-reader
 */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/types.h>

#include "common.h"

int main(void)
{
    int shmid = shmget(SHM_KEY, SHM_SIZE, 0666 | IPC_CREAT);
    char *str = (char *)shmat(shmid, NULL, 0);

    printf("Data read from memory: %s\n", str);

    shmdt(str);
    shmctl(shmid, IPC_RMID, NULL);
    return 0;
}
