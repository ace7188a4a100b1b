/*
 * handoff.c - writer of a System V segment handed to an exec'd reader (reader.c): it creates a
 * segment and a semaphore, writes a message, starts the reader (fork + exec) with both ids,
 * posts the semaphore, waits for the reader and removes both objects. Every call is checked;
 * an interrupted semop is retried; every failure says why, undoes what was set up, exit 1.
 * Its twin e-handoff-bug execs e-reader-bug (the defect is the reader's, see reader.c).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static int shmid = -1, semid = -1;

static int cleanup(void)
{
    int rc = 0;
    if (shmid >= 0 && shmctl(shmid, IPC_RMID, NULL) != 0)
        perror("handoff: shmctl(IPC_RMID)"), rc = 1;
    if (semid >= 0 && semctl(semid, 0, IPC_RMID) != 0)
        perror("handoff: semctl(IPC_RMID)"), rc = 1;
    return rc;
}

static int fail(const char *what)
{
    perror(what);
    cleanup();
    return 1;
}

/* The reader's path: next to this program, its name with "handoff" replaced by "reader". */
static int reader_path(char *buf, size_t size)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *name = strrchr(self, '/') + 1;
    const char *suffix = strstr(name, "-bug") ? "-bug" : "";
    *name = '\0';
    return snprintf(buf, size, "%se-reader%s", self, suffix) < (int)size ? 0 : -1;
}

int main(void)
{
    char reader[PATH_MAX], ids[2][24];
    if (reader_path(reader, sizeof(reader)) != 0)
        return fail("handoff: where is the reader");
    if ((shmid = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600)) < 0)
        return fail("handoff: shmget");
    if ((semid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600)) < 0)
        return fail("handoff: semget");
    char *p = shmat(shmid, NULL, 0);
    if (p == (void *)-1)
        return fail("handoff: shmat");
    strcpy(p, "hello");
    if (shmdt(p) != 0)
        return fail("handoff: shmdt");
    snprintf(ids[0], sizeof(ids[0]), "%d", shmid);
    snprintf(ids[1], sizeof(ids[1]), "%d", semid);
    pid_t child = fork();
    if (child < 0)
        return fail("handoff: fork");
    if (child == 0) {
        execl(reader, "e-reader", ids[0], ids[1], (char *)NULL);
        perror("handoff: exec reader");
        _exit(127);
    }
    struct sembuf v = {0, 1, 0};
    while (semop(semid, &v, 1) != 0)
        if (errno != EINTR) {
            kill(child, SIGTERM);
            waitpid(child, NULL, 0);
            return fail("handoff: semop(V)");
        }
    int st;
    while (waitpid(child, &st, 0) < 0)
        if (errno != EINTR)
            return fail("handoff: waitpid");
    if (cleanup() != 0)
        return 1;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "handoff: the reader failed (status 0x%x)\n", (unsigned)st);
        return 1;
    }
    return 0;
}
