/*
 * token.c - a token passed between a process and its forked child on a System V semaphore
 * set: the parent gives the token (V on 0), the child takes it (P on 0) and answers (V on 1),
 * the parent takes the answer (P on 1) and removes the set. Interrupted semops are retried;
 * every other failure says why and exits 1 (the parent then removes the set).
 * PLANTED DEFECT (-DBUGGY): the child passes over a failed P and answers anyway, as if it had
 * the token (semop@1 of the child, EINTR: swallowed). A later semop of a different operation
 * is no retry. The parent gives the token only once the kernel counts the child as waiting for
 * it (or the child answered or ended without waiting), so the child's P sleeps and can be
 * interrupted: enumerate gives EINTR only to a semop that would sleep (docs/faults.md, "When
 * EINTR is realistic").
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int op(int semid, unsigned short num, short delta)
{
    struct sembuf b = {num, delta, 0};
    int rc;
    while ((rc = semop(semid, &b, 1)) != 0 && errno == EINTR)
        ;
    return rc;
}

static int child(int semid)
{
#ifdef BUGGY
    struct sembuf take = {0, -1, 0};
    (void)semop(semid, &take, 1);
#else
    if (op(semid, 0, -1) != 0) {
        perror("token: child: semop(P)");
        return 1;
    }
#endif
    if (op(semid, 1, 1) != 0) {
        perror("token: child: semop(V)");
        return 1;
    }
    return 0;
}

/* Until the child sleeps in its P, has answered without it, or has ended (not reaped). Asked
   with raw system calls: the test's synchronisation, not calls under test. */
static void child_waits(int semid, pid_t pid)
{
    siginfo_t si = {0};
    while (syscall(SYS_semctl, semid, 0, GETNCNT, 0) <= 0 &&
           syscall(SYS_semctl, semid, 1, GETVAL, 0) <= 0) {
        si.si_pid = 0;
        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == pid)
            return;
        sched_yield();
    }
}

int main(void)
{
    int semid = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600), rc = 0, st = 0;
    if (semid < 0) {
        perror("token: semget");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("token: fork");
        semctl(semid, 0, IPC_RMID);
        return 1;
    }
    if (pid == 0)
        _exit(child(semid));
    child_waits(semid, pid);
    if (op(semid, 0, 1) != 0 || op(semid, 1, -1) != 0) {
        perror("token: semop");
        rc = 1;
        semctl(semid, 0, IPC_RMID); /* wakes the child with EIDRM */
        semid = -1;
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (semid >= 0 && semctl(semid, 0, IPC_RMID) != 0) {
        perror("token: semctl(IPC_RMID)");
        rc = 1;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "token: the child failed (status 0x%x)\n", (unsigned)st);
        rc = 1;
    }
    return rc;
}
