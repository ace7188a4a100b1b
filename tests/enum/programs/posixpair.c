/*
 * posixpair.c - a POSIX shared-memory producer and a forked consumer: the parent creates a
 * named object and a named semaphore, sizes and maps the object, writes, posts; the child
 * waits (retrying an interrupted wait), reads and exits; the parent waits for it, unmaps and
 * unlinks both names. Every failure says why, unlinks what exists and exits 1.
 * PLANTED DEFECT (-DBUGGY): ftruncate's result is not checked, so a failed resize leaves the
 * object empty and the first write to the mapping is a SIGBUS of the parent (ftruncate@1).
 */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHM "/enum-posixpair"
#define SEM "/enum-posixpair-sem"

static int fail(const char *what)
{
    perror(what);
    shm_unlink(SHM);
    sem_unlink(SEM);
    return 1;
}

static int consumer(sem_t *sem, const char *p)
{
    while (sem_wait(sem) != 0)
        if (errno != EINTR) {
            perror("posixpair: sem_wait");
            return 1;
        }
    return strcmp(p, "hello") == 0 ? 0 : 1;
}

int main(void)
{
    int fd = shm_open(SHM, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0)
        return fail("posixpair: shm_open");
    sem_t *sem = sem_open(SEM, O_CREAT | O_EXCL, 0600, 0);
    if (sem == SEM_FAILED)
        return fail("posixpair: sem_open");
#ifdef BUGGY
    (void)ftruncate(fd, 4096);
#else
    if (ftruncate(fd, 4096) != 0)
        return fail("posixpair: ftruncate");
#endif
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return fail("posixpair: mmap");
    close(fd);
    pid_t pid = fork();
    if (pid < 0)
        return fail("posixpair: fork");
    if (pid == 0)
        _exit(consumer(sem, p));
    strcpy(p, "hello");
    if (sem_post(sem) != 0)
        return fail("posixpair: sem_post");
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    munmap(p, 4096);
    sem_close(sem);
    if (shm_unlink(SHM) != 0 || sem_unlink(SEM) != 0)
        return fail("posixpair: unlink");
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "posixpair: the consumer failed (status 0x%x)\n", (unsigned)st);
        return 1;
    }
    return 0;
}
