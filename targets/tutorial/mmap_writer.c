/*
 * mmap_writer.c - tutorial pattern 4b, persistent sharing through a file: open (or create,
 * 0666) a fixed file in the current directory, extend it with ftruncate, map it MAP_SHARED and
 * write a line; the line persists in the file. Results are not checked.
 * usage: tutorial-mmap-writer [TEXT]
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

int main(int argc, char **argv)
{
    const char *text = argc > 1 ? argv[1] : "Hello from a mapped file";
    int fd = open(MMAP_FILE, O_RDWR | O_CREAT, 0666);
    ftruncate(fd, MAP_SIZE);
    char *map = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

    strcpy(map, text);
    msync(map, MAP_SIZE, MS_SYNC);
    printf("wrote: %s\n", map);
    munmap(map, MAP_SIZE);
    close(fd);
    return 0;
}
