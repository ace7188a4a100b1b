/*
 * eintr.c - a child sleeps on a System V semaphore until its parent gives it (V on 0), then
 * posts a POSIX semaphore the parent waits on. The child's P really sleeps (the parent gives
 * only once the kernel counts the child as waiting), so it can be interrupted: it is retried
 * on EINTR. The parent installs no signal handler, so its V (sem_op +1, which never sleeps)
 * and its sem_wait cannot fail with EINTR, and it passes over both results as many programs
 * do (docs/faults.md, "When EINTR is realistic"). Every other failure says why and exits 1.
 * PLANTED DEFECT (-DBUGGY): the parent installs a SIGUSR1 handler, so a signal can interrupt
 * its sem_wait, and it still passes over the result (sem_wait@1 of the parent, EINTR:
 * swallowed).
 */
#include <errno.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int child(int semid, sem_t *done)
{
    struct sembuf take = {0, -1, 0};
    int rc;
    while ((rc = semop(semid, &take, 1)) != 0 && errno == EINTR)
        ;
    if (rc != 0) {
        perror("eintr: child: semop(P)");
        return 1;
    }
    if (sem_post(done) != 0) {
        perror("eintr: child: sem_post");
        return 1;
    }
    return 0;
}

/* Until the child sleeps in its P (1), or is gone (0, its status in ST). The count is asked
   with the raw system call: it is the test's synchronisation, not a call under test. */
static int child_waits(int semid, pid_t pid, int *st)
{
    while (syscall(SYS_semctl, semid, 0, GETNCNT, 0) <= 0) {
        if (waitpid(pid, st, WNOHANG) == pid)
            return 0;
        sched_yield();
    }
    return 1;
}

#ifdef BUGGY
static void reload(int sig)
{
    (void)sig;
}
#endif

int main(void)
{
#ifdef BUGGY
    struct sigaction sa = {.sa_handler = reload};
    sigaction(SIGUSR1, &sa, NULL);
#endif
    sem_t *done = mmap(NULL, sizeof(*done), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                       -1, 0);
    if (done == MAP_FAILED) {
        perror("eintr: mmap");
        return 1;
    }
    if (sem_init(done, 1, 0) != 0) {
        perror("eintr: sem_init");
        return 1;
    }
    int semid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600), rc = 0, st = 0;
    if (semid < 0) {
        perror("eintr: semget");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("eintr: fork");
        semctl(semid, 0, IPC_RMID);
        return 1;
    }
    if (pid == 0)
        _exit(child(semid, done));
    if (child_waits(semid, pid, &st)) {
        struct sembuf give = {0, 1, 0};
        (void)semop(semid, &give, 1); /* never sleeps: no EINTR */
        (void)sem_wait(done);         /* no handler: no EINTR; the child posts or exits */
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    if (semctl(semid, 0, IPC_RMID) != 0) {
        perror("eintr: semctl(IPC_RMID)");
        rc = 1;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "eintr: the child failed (status 0x%x)\n", (unsigned)st);
        rc = 1;
    }
    return rc;
}
