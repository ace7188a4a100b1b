/*
 * shm_writer.c - tutorial pattern 1, writer side: create a segment under a fixed key and write
 * a line into it. Written as the tutorials do: 0666, shmat unchecked, sprintf into the segment,
 * and nobody ever removes the segment unless the reader runs.
 * usage: tutorial-shm-writer [TEXT]
 */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/types.h>

#include "common.h"

int main(int argc, char **argv)
{
    int shmid = shmget(SHM_KEY, SHM_SIZE, 0666 | IPC_CREAT);
    char *str = (char *)shmat(shmid, NULL, 0);

    sprintf(str, "%s", argc > 1 ? argv[1] : "Hello World");
    printf("Data written in memory: %s\n", str);

    shmdt(str);
    return 0;
}
