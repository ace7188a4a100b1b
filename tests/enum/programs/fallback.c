/*
 * fallback.c - the shape of mksSemaphores' control tool (docs/outside-projects.md): the set up
 * creates a semaphore set with IPC_CREAT|IPC_EXCL and, on EEXIST (a stale set of an earlier
 * run), opens the one that is there; it resets its value; a forked child removes it. Calls
 * that cannot fail on the tree's own set with valid arguments (the open after a real EEXIST,
 * SETVAL, IPC_RMID by the owner) are not checked, as the control tool does not check them:
 * correct, and enumerate must call every cell ok (the open after an injected EEXIST, which
 * finds nothing because the injection claimed a set that is not there, is the handling).
 * PLANTED DEFECT (-DBUGGY): the fallback is taken for ANY failure of the create: ENOSPC or
 * ENOMEM is passed over, the open finds nothing and the program goes on with id -1 and exits
 * 0 (semget@1: swallowed), as control -c does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEY 0x5eed

union semun {
    int val;
};

int main(void)
{
    int id = semget(KEY, 1, IPC_CREAT | IPC_EXCL | 0600);
#ifdef BUGGY
    if (id < 0)
        id = semget(KEY, 1, 0);
#else
    if (id < 0 && errno == EEXIST)
        id = semget(KEY, 1, 0); /* the stale set EEXIST reports */
    else if (id < 0) {
        fprintf(stderr, "fallback: semget: %s\n", strerror(errno));
        return 1;
    }
#endif
    union semun v = {.val = 1};
    semctl(id, 0, SETVAL, v);
    pid_t pid = fork();
    if (pid == 0) {
        semctl(id, 0, IPC_RMID);
        _exit(0);
    }
    if (pid < 0) {
        fprintf(stderr, "fallback: fork: %s\n", strerror(errno));
        semctl(id, 0, IPC_RMID);
        return 1;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
