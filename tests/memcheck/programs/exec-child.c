/*
 * exec-child.c - the leak belongs to an exec'd child: the parent (no shm call of its own) runs
 * itself again as "exec-child worker", whose attach path loses its context when shmat fails.
 * The parent frees everything; a judge must name the worker, not the parent.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) static int worker_attach(void)
{
    int *ctx = malloc(64);
    if (ctx == NULL)
        return 1;
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id < 0) {
        perror("exec-child worker: shmget");
        free(ctx);
        return 1;
    }
    void *mem = shmat(id, NULL, 0);
    if (shmctl(id, IPC_RMID, NULL) != 0) {
        perror("exec-child worker: shmctl(IPC_RMID)");
        free(ctx);
        return 1;
    }
    if (mem == (void *)-1) {
        perror("exec-child worker: shmat");
        /* the planted bug: ctx is lost (what the tests must find) */
        // cppcheck-suppress memleak
        return 1;
    }
    int rc = 0;
    if (shmdt(mem) != 0) {
        perror("exec-child worker: shmdt");
        rc = 1;
    }
    free(ctx);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "worker") == 0)
        return worker_attach();
    char *note = strdup("parent");
    pid_t pid = fork();
    if (pid == 0) {
        execl(argv[0], argv[0], "worker", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "exec-child: the worker failed\n");
        free(note);
        return 1;
    }
    free(note);
    return 0;
}
