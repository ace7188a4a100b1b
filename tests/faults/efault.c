/*
 * efault.c - a correct program that passes bad pointers on purpose and expects what the kernel
 * (or libc) does with them (issue 10, item 4): the layer must never be the one to fault.
 *
 * Each case runs in a child; one line per case: what the call returned, its errno, or the
 * signal that ended the child. Expected: the same lines with and without a trace or a rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *bad; /* a PROT_NONE page: any read of it faults */
static int setid;

static int c_semop(void) { return semop(setid, bad, 1); }
static int c_semop_many(void) { return semop(setid, bad, 40); }
static int c_semtimedop(void) { return semtimedop(setid, bad, 1, NULL); }
static int c_semtimedop_ts(void)
{
    struct sembuf op = {0, 0, IPC_NOWAIT};
    return semtimedop(setid, &op, 1, bad);
}
static int c_memfd(void) { return memfd_create(bad, 0); }
static int c_ftok(void) { return ftok(bad, 1); }
static int c_shmctl(void) { return shmctl(0, IPC_STAT, bad); }
/* glibc reads these names itself (strlen): the child dies in libc, traced or not */
static int c_shm_open(void) { return shm_open(bad, O_RDWR | O_CREAT, 0600); }
static int c_shm_unlink(void) { return shm_unlink(bad); }
static int c_sem_open(void) { return sem_open(bad, O_CREAT, 0600, 1) == SEM_FAILED ? -1 : 0; }
static int c_sem_unlink(void) { return sem_unlink(bad); }

static const struct {
    const char *name;
    int (*run)(void);
} cases[] = {
    {"semop(sops=bad)", c_semop},
    {"semop(sops=bad,nsops=40)", c_semop_many},
    {"semtimedop(sops=bad)", c_semtimedop},
    {"semtimedop(timeout=bad)", c_semtimedop_ts},
    {"memfd_create(name=bad)", c_memfd},
    {"ftok(path=bad)", c_ftok},
    {"shmctl(buf=bad)", c_shmctl},
    {"shm_open(name=bad)", c_shm_open},
    {"shm_unlink(name=bad)", c_shm_unlink},
    {"sem_open(name=bad)", c_sem_open},
    {"sem_unlink(name=bad)", c_sem_unlink},
};

int main(void)
{
    bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    setid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    if (bad == MAP_FAILED || setid < 0) {
        perror("efault: set-up");
        return 2;
    }
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            errno = 0;
            int rc = cases[i].run();
            printf("%s = %d %s\n", cases[i].name, rc, rc == -1 ? strerrorname_np(errno) : "-");
            fflush(stdout);
            _exit(0);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        if (WIFSIGNALED(st))
            printf("%s: killed by %s\n", cases[i].name, sigabbrev_np(WTERMSIG(st)));
    }
    semctl(setid, 0, IPC_RMID);
    return 0;
}
