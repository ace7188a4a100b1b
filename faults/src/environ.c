/*
 * environ.c - edits of the process's environment made by the layer itself (the fork server's
 * cell gets its settings and loses SHMFAULT_FORKSERVER before the program's main). libc's
 * setenv/unsetenv are not used: a program may define its own (bash does, and before its main
 * they change nothing, so the cell's children inherited the server's socket variable). The
 * array is edited in place, or replaced by a copy in pages of its own (no malloc here).
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

extern char **environ;

static size_t name_len(const char *entry)
{
    return strcspn(entry, "=");
}

static int is_name(const char *entry, const char *name, size_t len)
{
    return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

void sf_env_remove(const char *name)
{
    size_t len = strlen(name);
    char **w = environ;
    if (w == NULL)
        return;
    for (char **r = environ; *r; r++)
        if (!is_name(*r, name, len))
            *w++ = *r;
    *w = NULL;
}

int sf_env_put(char *entry)
{
    size_t len = name_len(entry), n = 0;
    for (char **e = environ; e && *e; e++, n++)
        if (is_name(*e, entry, len)) {
            *e = entry;
            return 0;
        }
    /* not there: a longer copy of the array (the old one may be the stack's) */
    /* the system call: our own mmap interposer must not see the layer's bookkeeping */
    long area = syscall(SYS_mmap, NULL, (n + 2) * sizeof(char *), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area < 0 && area > -4096)
        return -1;
    char **copy = (char **)area;
    if (n > 0)
        memcpy(copy, environ, n * sizeof(char *));
    copy[n] = entry;
    copy[n + 1] = NULL;
    environ = copy;
    return 0;
}
