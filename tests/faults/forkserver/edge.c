/*
 * edge.c - a program for the fork server's own tests (tests/faults/forkserver.sh), one mode
 * per edge of cell isolation:
 *   posix   creates a POSIX object and leaks its name when ftruncate fails
 *   hang    waits forever when shmget fails (the cell must time out, the next one run)
 *   orphan  leaves a child behind that creates /late as soon as a new /dev/shm is mounted:
 *           in the next cell's, unless it dies with its own cell as it must
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

static int posix_object(void)
{
    int fd = shm_open("/edge", O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) {
        perror("edge: shm_open");
        return 1;
    }
    if (ftruncate(fd, 4096) != 0) {
        perror("edge: ftruncate"); /* the planted bug: the name stays */
        return 1;
    }
    close(fd);
    if (shm_unlink("/edge") != 0) {
        perror("edge: shm_unlink");
        return 1;
    }
    return 0;
}

static int orphan(void)
{
    pid_t pid = fork();
    if (pid < 0) {
        perror("edge: fork");
        return 1;
    }
    if (pid == 0) { /* wait for the next cell's /dev/shm, then create /late in it */
        struct stat first, now;
        if (stat("/dev/shm", &first) != 0)
            _exit(1);
        for (int i = 0; i < 20000; i++) {
            if (stat("/dev/shm", &now) == 0 && now.st_dev != first.st_dev) {
                int fd = shm_open("/late", O_CREAT | O_RDWR, 0600);
                _exit(fd < 0);
            }
            usleep(100);
        }
        _exit(0);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "posix") == 0)
        return posix_object();
    if (strcmp(mode, "orphan") == 0 && orphan() != 0)
        return 1;
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id < 0) {
        if (strcmp(mode, "hang") == 0)
            for (;;)
                pause();
        perror("edge: shmget");
        return 1;
    }
    if (shmctl(id, IPC_RMID, NULL) != 0) {
        perror("edge: shmctl");
        return 1;
    }
    return 0;
}
