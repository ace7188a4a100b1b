/*
 * waiter.c - a parent that waits for its forked child with no time limit: it creates a
 * segment and a semaphore at 0, forks a child that attaches, writes a message, detaches and
 * posts; the parent sleeps on the semaphore, then reads the child's exit status and removes
 * both objects. Every call is checked; an interrupted semop is retried; a child that fails
 * still posts (so its parent never waits for nothing) and exits 1, which the parent reports.
 * Its twin (BUGGY) does not check the child's shmat: a failed attach is a SIGSEGV in the
 * child, and the parent then waits forever. enumerate must call that cell a crash (the child's,
 * what the user must fix), not a hang (the parent's wait, its consequence).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static int shmid = -1, semid = -1;

static int semop1(short delta)
{
    struct sembuf op = {0, delta, 0};
    while (semop(semid, &op, 1) != 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

static int cleanup(int rc)
{
    if (shmid >= 0 && shmctl(shmid, IPC_RMID, NULL) != 0)
        perror("waiter: shmctl(IPC_RMID)"), rc = 1;
    if (semid >= 0 && semctl(semid, 0, IPC_RMID) != 0)
        perror("waiter: semctl(IPC_RMID)"), rc = 1;
    return rc;
}

static int child(void)
{
    int rc = 0;
    char *p = shmat(shmid, NULL, 0);
#ifndef BUGGY
    if (p == (void *)-1) {
        perror("waiter child: shmat");
        rc = 1;
    } else
#endif
    {
        strcpy(p, "hello");
        if (shmdt(p) != 0)
            perror("waiter child: shmdt"), rc = 1;
    }
    if (semop1(1) != 0)
        perror("waiter child: semop"), rc = 1;
    return rc;
}

int main(void)
{
    if ((shmid = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600)) < 0)
        return perror("waiter: shmget"), cleanup(1);
    if ((semid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600)) < 0)
        return perror("waiter: semget"), cleanup(1);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return perror("waiter: fork"), cleanup(1);
    if (pid == 0)
        _exit(child());
    int status = 0;
    if (semop1(-1) != 0) {
        perror("waiter: semop");
        (void)waitpid(pid, &status, 0); /* the child posts whatever happens: it ends */
        return cleanup(1);
    }
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "waiter: the child failed\n");
        return cleanup(1);
    }
    return cleanup(0);
}
