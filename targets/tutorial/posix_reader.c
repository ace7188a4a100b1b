/*
 * posix_reader.c - tutorial pattern 4a, POSIX shared memory reader: shm_open the fixed name
 * read-only, map it, print the line and shm_unlink the name. Nothing is checked.
 * usage: tutorial-posix-reader
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

int main(void)
{
    int fd = shm_open(POSIX_NAME, O_RDONLY, 0666);
    char *ptr = mmap(0, MAP_SIZE, PROT_READ, MAP_SHARED, fd, 0);

    printf("read: %s\n", ptr);
    shm_unlink(POSIX_NAME);
    return 0;
}
