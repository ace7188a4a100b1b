/*
 * odd-name-leak.c - for the shmfuzz report tests: creates a POSIX shared memory object whose
 * name is not UTF-8 (bytes 0xff 0xfe, as a fuzzed library may make one) and never unlinks it,
 * so every run leaves it behind. The report must carry the name's bytes, not crash on them.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    int fd = shm_open("/sfz-odd-\xff\xfe", O_CREAT | O_RDWR, 0600);
    if (fd < 0) {
        perror("odd-name-leak: shm_open");
        return 1;
    }
    close(fd); /* the planted bug: no shm_unlink */
    return 0;
}
