/*
 * mmap_reader.c - tutorial pattern 4b, reader side: map the fixed file read-only and print the
 * line. Results are not checked; a missing or short file is not noticed until the access.
 * usage: tutorial-mmap-reader
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

int main(void)
{
    int fd = open(MMAP_FILE, O_RDONLY);
    char *map = mmap(NULL, MAP_SIZE, PROT_READ, MAP_SHARED, fd, 0);

    printf("read: %s\n", map);
    munmap(map, MAP_SIZE);
    close(fd);
    return 0;
}
