/*
 * uaf-on-error.c - a memory error only on an error path: when shmat fails the program frees
 * its context and then writes the error into it (use after free). The happy path is correct.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>

struct ctx {
    int id;
    int last_error;
    char *mem;
};

__attribute__((noinline)) static int close_ctx(struct ctx *c)
{
    int rc = shmctl(c->id, IPC_RMID, NULL);
    if (rc != 0)
        perror("uaf-on-error: shmctl(IPC_RMID)");
    free(c);
    return rc != 0;
}

int main(void)
{
    struct ctx *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return 1;
    c->id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (c->id < 0) {
        perror("uaf-on-error: shmget");
        free(c);
        return 1;
    }
    c->mem = shmat(c->id, NULL, 0);
    if (c->mem == (void *)-1) {
        int e = errno;
        (void)close_ctx(c);
        c->last_error = e; /* the planted bug: c was freed by close_ctx */
        fprintf(stderr, "uaf-on-error: shmat: error %d\n", c->last_error);
        return 1;
    }
    c->mem[0] = 'x';
    int rc = 0;
    if (shmdt(c->mem) != 0) {
        perror("uaf-on-error: shmdt");
        rc = 1;
    }
    return close_ctx(c) || rc;
}
