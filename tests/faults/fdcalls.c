/*
 * fdcalls.c - descriptors and names the layer must judge right (issue 10, items 3 and 8).
 * Built twice: as is, and with -D_FILE_OFFSET_BITS=64 (then glibc's headers send mmap and
 * ftruncate to mmap64 and ftruncate64, the names large-file programs link).
 *
 *   fdcalls reuse DIR    a shm fd and a memfd are closed and their numbers reused by plain
 *                        files on the tmpfs mounted at DIR; then a real shm fd and its dup
 *   fdcalls lfs          shm_open, ftruncate, mmap(MAP_SHARED) of it, munmap
 *   fdcalls child-shmctl a forked child calls shmctl once; the parent never does
 *   fdcalls nothing      no call at all
 * One line per call: "WHAT ok" or "WHAT failed ERRNO".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, int failed)
{
    if (failed)
        printf("%s failed %s\n", what, strerrorname_np(errno));
    else
        printf("%s ok\n", what);
}

static int plain_on_reused(const char *dir, const char *file, int old)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    int fd = open(path, O_CREAT | O_RDWR, 0600);
    if (fd != old) {
        printf("set-up: %s got fd %d, not the closed %d\n", path, fd, old);
        return -1;
    }
    return fd;
}

static int reuse(const char *dir)
{
    int s = shm_open("/fdcalls", O_CREAT | O_RDWR, 0600);
    close(s);
    int f = plain_on_reused(dir, "plain-after-shm", s);
    if (f < 0)
        return 2;
    report("ftruncate(tmpfs file on a closed shm fd's number)", ftruncate(f, 4096) != 0);
    close(f);
    int m = memfd_create("fdcalls", 0);
    close(m);
    f = plain_on_reused(dir, "plain-after-memfd", m);
    if (f < 0)
        return 2;
    report("ftruncate(tmpfs file on a closed memfd's number)", ftruncate(f, 4096) != 0);
    close(f);
    s = shm_open("/fdcalls", O_RDWR, 0600);
    report("ftruncate(shm fd)", ftruncate(s, 4096) != 0);
    m = memfd_create("fdcalls", 0);
    report("ftruncate(memfd)", ftruncate(m, 4096) != 0);
    shm_unlink("/fdcalls");
    return 0;
}

static int lfs(void)
{
    int fd = shm_open("/fdcalls-lfs", O_CREAT | O_RDWR, 0600);
    report("ftruncate", ftruncate(fd, 4096) != 0);
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    report("mmap", p == MAP_FAILED);
    if (p != MAP_FAILED)
        report("munmap", munmap(p, 4096) != 0);
    shm_unlink("/fdcalls-lfs");
    return 0;
}

static int child_shmctl(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct shmid_ds ds;
        report("child shmctl", shmctl(0, IPC_STAT, &ds) != 0);
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && strcmp(argv[1], "reuse") == 0)
        return reuse(argv[2]);
    if (argc == 2 && strcmp(argv[1], "lfs") == 0)
        return lfs();
    if (argc == 2 && strcmp(argv[1], "child-shmctl") == 0)
        return child_shmctl();
    if (argc == 2 && strcmp(argv[1], "nothing") == 0)
        return 0;
    fprintf(stderr, "usage: fdcalls reuse DIR | lfs | child-shmctl | nothing\n");
    return 2;
}
