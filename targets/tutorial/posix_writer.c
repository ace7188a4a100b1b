/*
 * posix_writer.c - tutorial pattern 4a, POSIX shared memory writer: shm_open a fixed name
 * (0666), size it with ftruncate, map it MAP_SHARED and sprintf a line into it. As in the
 * tutorials the results of ftruncate and mmap are not checked, and only the reader unlinks.
 * usage: tutorial-posix-writer [TEXT]
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

int main(int argc, char **argv)
{
    int fd = shm_open(POSIX_NAME, O_CREAT | O_RDWR, 0666);
    ftruncate(fd, MAP_SIZE);
    char *ptr = mmap(0, MAP_SIZE, PROT_WRITE, MAP_SHARED, fd, 0);

    sprintf(ptr, "%s", argc > 1 ? argv[1] : "Hello from POSIX shm");
    printf("wrote: %s\n", argc > 1 ? argv[1] : "Hello from POSIX shm");
    return 0;
}
