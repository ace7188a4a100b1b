/*
 * eintr-runs.c COUNTER: a child takes a token (P on a System V semaphore, retried on EINTR)
 * its parent gives. In the first run (COUNTER absent or 0) the parent gives it before the fork,
 * so the child's P never sleeps; in every later run only once the child sleeps in its P.
 * enumerate's clean runs differ, and the P keeps its EINTR cell only because it drops EINTR
 * when no clean run allows it, not just the first (tests/enum/eintr.sh).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int op(int semid, short delta)
{
    struct sembuf b = {0, delta, 0};
    int rc;
    while ((rc = semop(semid, &b, 1)) != 0 && errno == EINTR)
        ;
    return rc;
}

/* Which run this is (0 the first), counted in PATH. */
static int next_run(const char *path)
{
    int n = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = 0;
        fclose(f);
    }
    f = fopen(path, "w");
    if (f) {
        fprintf(f, "%d\n", n + 1);
        fclose(f);
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: eintr-runs COUNTER\n");
        return 2;
    }
    int first = next_run(argv[1]) == 0, st = 0, rc = 0;
    int semid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    if (semid < 0) {
        perror("eintr-runs: semget");
        return 1;
    }
    if (first && op(semid, 1) != 0) {
        perror("eintr-runs: semop(V)");
        semctl(semid, 0, IPC_RMID);
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("eintr-runs: fork");
        semctl(semid, 0, IPC_RMID);
        return 1;
    }
    if (pid == 0) {
        if (op(semid, -1) != 0) {
            perror("eintr-runs: child: semop(P)");
            _exit(1);
        }
        _exit(0);
    }
    if (!first) {
        /* raw system calls: the test's synchronisation, not calls under test */
        siginfo_t si = {0};
        while (syscall(SYS_semctl, semid, 0, GETNCNT, 0) <= 0 &&
               waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid != pid)
            sched_yield();
        if (op(semid, 1) != 0) {
            perror("eintr-runs: semop(V)");
            rc = 1;
        }
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (semctl(semid, 0, IPC_RMID) != 0) {
        perror("eintr-runs: semctl(IPC_RMID)");
        rc = 1;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "eintr-runs: the child failed (status 0x%x)\n", (unsigned)st);
        rc = 1;
    }
    return rc;
}
