/*
 * keyed.c - a server and its client meeting by key (ftok): the server makes the keys, creates a
 * segment and a semaphore set under them (mode 0600) and forks the client, which makes the
 * same keys again and opens both by key, asking for less than the server created (shmget
 * without IPC_CREAT, semget and a second shmget with IPC_CREAT, after the server made them).
 * The client reads a failure to find the server's key file or objects as "no server": it does
 * nothing and exits 0. That is right only because, the server having made them first, those
 * calls can fail with no errno but ENOMEM of ftok (handled) and a peer's removal: enumerate must
 * not try EACCES, EINVAL or a creation errno there (docs/faults.md "Realistic errnos").
 * keyed COUNTER-FILE (tests/enum/cli.sh): every other run (by the count in the file) the server
 * leaves the semaphore set to the client's semget(IPC_CREAT), which then creates it: the clean
 * runs disagree, so enumerate must keep that call's creation errnos.
 * PLANTED DEFECT (-DBUGGY): the client's shmat is unchecked (shmat@1 of the child: crash).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static int no_server(const char *what)
{
    if (errno == ENOMEM) { /* the only errno these calls can meet here, and not "no server" */
        perror(what);
        return 1;
    }
    return 0;
}

static int client(const char *path)
{
    key_t kshm = ftok(path, 'k'), ksem;
    if (kshm == -1)
        return no_server("keyed: client: ftok");
    if ((ksem = ftok(".", 's')) == -1)
        return no_server("keyed: client: ftok(.)");
    int shm = shmget(kshm, 64, 0);
    if (shm < 0)
        return no_server("keyed: client: shmget");
    if (semget(ksem, 1, IPC_CREAT | 0600) < 0)
        return no_server("keyed: client: semget");
    if (shmget(kshm, 128, IPC_CREAT | 0600) != shm)
        return no_server("keyed: client: shmget(IPC_CREAT)");
    char *p = shmat(shm, NULL, 0);
#ifndef BUGGY
    if (p == (char *)-1) {
        perror("keyed: client: shmat");
        return 1;
    }
#endif
    strcpy(p, "hello");
    if (shmdt(p) != 0) {
        perror("keyed: client: shmdt");
        return 1;
    }
    return 0;
}

static int finish(int shm, int sem, int rc)
{
    if (shm >= 0 && shmctl(shm, IPC_RMID, NULL) != 0) {
        perror("keyed: shmctl(IPC_RMID)");
        rc = 1;
    }
    if (sem >= 0 && semctl(sem, 0, IPC_RMID) != 0) {
        perror("keyed: semctl(IPC_RMID)");
        rc = 1;
    }
    return rc;
}

/* 1 on odd runs (and without a counter file): the server creates the set itself. */
static int server_makes_set(const char *counter)
{
    long n = 0;
    FILE *f = counter ? fopen(counter, "r") : NULL;
    if (counter == NULL)
        return 1;
    if (f != NULL) {
        if (fscanf(f, "%ld", &n) != 1)
            n = 0;
        fclose(f);
    }
    f = fopen(counter, "w");
    if (f == NULL || fprintf(f, "%ld\n", n + 1) < 0 || fclose(f) != 0) {
        perror("keyed: counter");
        return 1;
    }
    return n % 2 == 0;
}

int main(int argc, char **argv)
{
    int makes_set = server_makes_set(argc > 1 ? argv[1] : NULL);
    key_t kshm = ftok(argv[0], 'k'), ksem = ftok(".", 's');
    if (kshm == -1 || ksem == -1) {
        perror("keyed: ftok");
        return 1;
    }
    int shm = shmget(kshm, 4096, IPC_CREAT | IPC_EXCL | 0600);
    if (shm < 0) {
        perror("keyed: shmget");
        return 1;
    }
    int sem = makes_set ? semget(ksem, 2, IPC_CREAT | IPC_EXCL | 0600) : -1;
    if (makes_set && sem < 0) {
        perror("keyed: semget");
        return finish(shm, -1, 1);
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("keyed: fork");
        return finish(shm, sem, 1);
    }
    if (pid == 0)
        _exit(client(argv[0]));
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            perror("keyed: waitpid");
            return finish(shm, sem, 1);
        }
    if (!makes_set) /* the client's, when it made it: the server removes it */
        sem = semget(ksem, 0, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "keyed: the client failed\n");
        return finish(shm, sem, 1);
    }
    return finish(shm, sem, 0);
}
