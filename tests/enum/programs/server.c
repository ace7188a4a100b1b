/*
 * server.c - a launcher and the server it starts (the shape of shmem_sendbuf's prog1 and of
 * fakeroot's faked, docs/outside-projects.md): the server creates a POSIX segment, sizes and
 * maps it, writes its greeting, says it is ready on a pipe and serves until it is stopped; the
 * name is the service's, kept while the server runs (so every clean run leaves it, held by a
 * process still running). The launcher reads the greeting through the name and exits 0. Every
 * failure says why; a server that cannot finish its setup removes the name it made, and a
 * launcher whose own read fails leaves the running server (and its name) alone.
 * PLANTED DEFECT (-DBUGGY): when ftruncate fails the server exits 1 without removing the name
 * (shmbuf_create's error path): the name a clean run also leaves is this cell's leak, because
 * its creator failed (ftruncate@1 in the server: leak).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAME "/e-server"
#define SIZE 4096

static int serve(int ready)
{
    int fd = shm_open(NAME, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) {
        perror("server: shm_open");
        return 1;
    }
    if (ftruncate(fd, SIZE) != 0) {
        perror("server: ftruncate");
#ifndef BUGGY
        shm_unlink(NAME);
#endif
        return 1;
    }
    char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        perror("server: mmap");
        shm_unlink(NAME);
        return 1;
    }
    snprintf(p, SIZE, "hello");
    if (write(ready, "1", 1) != 1) {
        perror("server: write");
        shm_unlink(NAME);
        return 1;
    }
    close(ready);
    for (;;)
        pause(); /* serves until it is stopped */
}

int main(void)
{
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        perror("server: pipe");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("server: fork");
        return 1;
    }
    if (pid == 0) {
        close(pipefd[0]);
        _exit(serve(pipefd[1]));
    }
    close(pipefd[1]);
    char c;
    ssize_t n;
    while ((n = read(pipefd[0], &c, 1)) < 0 && errno == EINTR)
        ;
    if (n != 1) {
        fprintf(stderr, "server: the server did not start\n");
        waitpid(pid, NULL, 0);
        return 1;
    }
    int fd = shm_open(NAME, O_RDONLY, 0);
    if (fd < 0) {
        perror("server: launcher: shm_open");
        return 1;
    }
    const char *p = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        perror("server: launcher: mmap");
        return 1;
    }
    printf("server %d says %s\n", (int)pid, p);
    return 0;
}
