/*
 * tally.c - the board of counters (tally.h). Built twice by the test project: as written, and
 * with -DTALLY_LEAKS_ON_ERROR, the planted bug: a create that fails after shm_open leaves the
 * name behind (the error path closes the descriptor but forgets shm_unlink).
 */
#define _POSIX_C_SOURCE 200809L
#include "tally.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct board {
    unsigned long counter[TALLY_COUNTERS];
};

struct tally {
    struct board *board;
};

static struct tally *map(int fd)
{
    struct tally *t = malloc(sizeof(*t));
    if (t == NULL)
        return NULL;
    t->board = mmap(NULL, sizeof(struct board), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (t->board == MAP_FAILED) {
        int err = errno;
        free(t);
        errno = err;
        return NULL;
    }
    return t;
}

struct tally *tally_create(const char *name)
{
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd == -1)
        return NULL;
    struct tally *t = NULL;
    if (ftruncate(fd, sizeof(struct board)) == 0)
        t = map(fd);
    int err = errno;
    (void)close(fd);
#ifndef TALLY_LEAKS_ON_ERROR
    if (t == NULL)
        (void)shm_unlink(name); /* nobody else knows the name yet: do not leave it behind */
#endif
    errno = err;
    return t;
}

struct tally *tally_open(const char *name)
{
    int fd = shm_open(name, O_RDWR, 0);
    if (fd == -1)
        return NULL;
    struct stat st;
    int ok = fstat(fd, &st) == 0;
    if (ok && (size_t)st.st_size < sizeof(struct board)) {
        ok = 0;
        errno = EBADMSG; /* created but not sized yet, or not a board */
    }
    struct tally *t = ok ? map(fd) : NULL;
    int err = errno;
    (void)close(fd);
    errno = err;
    return t;
}

void tally_add(struct tally *t, unsigned i, unsigned n)
{
    __atomic_fetch_add(&t->board->counter[i % TALLY_COUNTERS], n, __ATOMIC_SEQ_CST);
}

unsigned long tally_get(const struct tally *t, unsigned i)
{
    return __atomic_load_n(&t->board->counter[i % TALLY_COUNTERS], __ATOMIC_SEQ_CST);
}

int tally_close(struct tally *t)
{
    if (munmap(t->board, sizeof(struct board)) == -1)
        return -1;
    free(t);
    return 0;
}

int tally_remove(const char *name)
{
    return shm_unlink(name);
}
