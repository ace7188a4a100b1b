/*
 * ctx-leak.c - the program of issue #15: it allocates a context, creates a segment, and when
 * shmat fails it removes the segment and returns without freeing the context (a heap leak on an
 * error path, invisible to exit statuses and IPC ledgers). Built with -DFREES_CTX it is the
 * correct twin that frees it. With -DLEAKS_ALWAYS it also loses a block on every run, the
 * same block in the clean run and in every cell (a property of the program).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

struct ctx {
    int id;
    char *mem;
    char name[72];
};

#ifdef LEAKS_ALWAYS
/* Loses its banner on every run, fault or not. */
__attribute__((noinline)) static void load_banner(void)
{
    char *banner = malloc(48);
    if (banner != NULL) {
        snprintf(banner, 48, "ctx-leak");
        printf("%s\n", banner);
    }
}
#endif

__attribute__((noinline)) static struct ctx *open_ctx(void)
{
    struct ctx *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (c->id < 0) {
        perror("ctx-leak: shmget");
        free(c);
        return NULL;
    }
    c->mem = shmat(c->id, NULL, 0);
    if (c->mem == (void *)-1) {
        perror("ctx-leak: shmat");
        shmctl(c->id, IPC_RMID, NULL);
#ifdef FREES_CTX
        free(c);
#endif
        /* without FREES_CTX: the planted bug, c is lost (what the tests must find) */
        // cppcheck-suppress memleak
        return NULL;
    }
    return c;
}

int main(void)
{
#ifdef LEAKS_ALWAYS
    load_banner();
#endif
    struct ctx *c = open_ctx();
    if (c == NULL)
        return 1;
    strcpy(c->mem, "hello");
    int rc = 0;
    if (shmdt(c->mem) != 0) {
        perror("ctx-leak: shmdt");
        rc = 1;
    }
    if (shmctl(c->id, IPC_RMID, NULL) != 0) {
        perror("ctx-leak: shmctl(IPC_RMID)");
        rc = 1;
    }
    free(c);
    return rc;
}
