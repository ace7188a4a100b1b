/*
 * launcher.c - a launcher and its daemon (fakeroot/faked style): the launcher creates a
 * startup lock (a semaphore set), forks the daemon, waits until the daemon says it is ready
 * (its segment id on a pipe), removes the lock and exits 0 while the daemon keeps running and
 * owning its segment. The daemon's segment is not the launcher's to remove: enumerate must not
 * call it a leak of the launcher. Every failure says why; the launcher removes its lock.
 * PLANTED DEFECT (-DBUGGY): when the daemon fails to start, the launcher exits without
 * removing its lock (the daemon's shmget@1: leak).
 */
#include <errno.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static int daemon_main(int fd)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id < 0) {
        perror("launcher: daemon: shmget");
        return 1;
    }
    if (write(fd, &id, sizeof(id)) != (ssize_t)sizeof(id)) {
        perror("launcher: daemon: write");
        shmctl(id, IPC_RMID, NULL);
        return 1;
    }
    close(fd);
    for (;;)
        pause(); /* serves until it is stopped */
}

int main(void)
{
    int pipefd[2], id = -1;
    int lock = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    if (lock < 0) {
        perror("launcher: semget");
        return 1;
    }
    if (pipe(pipefd) != 0) {
        perror("launcher: pipe");
        semctl(lock, 0, IPC_RMID);
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("launcher: fork");
        semctl(lock, 0, IPC_RMID);
        return 1;
    }
    if (pid == 0) {
        close(pipefd[0]);
        _exit(daemon_main(pipefd[1]));
    }
    close(pipefd[1]);
    ssize_t n;
    while ((n = read(pipefd[0], &id, sizeof(id))) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof(id)) {
        fprintf(stderr, "launcher: the daemon did not start\n");
        waitpid(pid, NULL, 0);
#ifndef BUGGY
        semctl(lock, 0, IPC_RMID);
#endif
        return 1;
    }
    if (semctl(lock, 0, IPC_RMID) != 0) {
        perror("launcher: semctl(IPC_RMID)");
        return 1;
    }
    printf("daemon %d serves segment %d\n", (int)pid, id);
    return 0;
}
