/*
 * printerr.c - the shape of the small POSIX shared-memory demos found outside this repository
 * (docs/outside-projects.md): the writer removes a stale name before creating it, best effort
 * (shm_unlink fails with ENOENT on every clean run, and that is fine), then shm_open,
 * ftruncate, mmap, and hands the segment to a reader (a forked child) that opens it by name,
 * reads it and removes the name. Every error is printed with printf on STDOUT, not stderr,
 * and the process exits 1 after removing what it made. A correct program: every cell of
 * enumerate must be ok (no EACCES on a name that does not exist; a message on stdout is an
 * error message).
 * PLANTED DEFECT (-DBUGGY): when ftruncate fails the name is not removed (ftruncate@1: leak).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAME "/e-printerr"
#define SIZE 4096

static int fail(const char *what)
{
    printf("printerr: %s: %s\n", what, strerror(errno));
    fflush(stdout);
    shm_unlink(NAME);
    return 1;
}

static int reader(void)
{
    int fd = shm_open(NAME, O_RDWR, 0);
    if (fd < 0)
        return fail("reader: shm_open");
    char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return fail("reader: mmap");
    printf("%s\n", p);
    munmap(p, SIZE);
    return shm_unlink(NAME) == 0 ? 0 : fail("reader: shm_unlink");
}

int main(void)
{
    shm_unlink(NAME); /* a stale name from an earlier run, if any: not having one is fine */
    int fd = shm_open(NAME, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) {
        printf("printerr: shm_open: %s\n", strerror(errno));
        return 1;
    }
    if (ftruncate(fd, SIZE) != 0) {
#ifdef BUGGY
        printf("printerr: ftruncate: %s\n", strerror(errno));
        return 1;
#else
        return fail("ftruncate");
#endif
    }
    char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return fail("mmap");
    snprintf(p, SIZE, "hello");
    munmap(p, SIZE);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return fail("fork");
    if (pid == 0)
        _exit(reader());
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
