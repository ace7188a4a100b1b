/*
 * trace.c - where the JSON Lines trace goes: a descriptor given through the C API, or the
 * SHMFAULT_TRACE path. "%p" in the path gives each process its own file (a forked child
 * reopens under its new pid); without it every process appends whole lines to one file
 * (O_APPEND and one write(2) per line keep lines intact). The descriptor is owned (outfd.c):
 * high, checked before each write, reopened when the program took its number. A path that
 * does not fit PATH_MAX is refused, never truncated to another file.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static char pattern[SF_PATH_MAX];
static int per_pid;
static struct sf_outfd out = {.fd = -1, .what = "SHMFAULT_TRACE"};

/* The path of this process's trace in PATH; -1 when it does not fit. */
static int expand(char *path, size_t size)
{
    struct sf_buf b = {path, size, 0};
    for (const char *p = pattern; *p; p++) {
        if (p[0] == '%' && p[1] == 'p') {
            sf_put_dec(&b, sf_pid);
            p++;
        } else {
            sf_putc(&b, *p);
        }
    }
    if (b.len >= size)
        return -1;
    path[b.len] = '\0';
    return 0;
}

/* A per-pid trace is its process's own file: close-on-exec (the exec'd image opens its own).
 * One shared file is inherited across exec, so a user switch keeps writing to it. */
static int open_expanded(void)
{
    static char path[SF_PATH_MAX];
    if (expand(path, sizeof(path)) != 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return sf_outfd_open(&out, path, SF_SLOT_TRACE, per_pid);
}

static void publish(void)
{
    sf_trace_fd = __atomic_load_n(&out.fd, __ATOMIC_ACQUIRE);
    sf_gate_update();
}

int sf_trace_open(const char *path)
{
    if (strlen(path) >= sizeof(pattern)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(pattern, path, strlen(path) + 1);
    per_pid = strstr(pattern, "%p") != NULL;
    sf_outfd_close(&out);
    if (open_expanded() != 0) {
        publish();
        return -1;
    }
    publish();
    return 0;
}

void sf_trace_reopen(void)
{
    if (!per_pid || sf_trace_fd < 0)
        return;
    int saved = errno;
    sf_outfd_close(&out);
    if (open_expanded() != 0)
        sf_outfd_warn("SHMFAULT_TRACE", ": cannot open this process's trace file: no trace");
    errno = saved;
    publish();
}

void sf_trace_write(const char *p, size_t n)
{
    if (sf_outfd_write(&out, p, n) != 0 || out.fd != sf_trace_fd)
        publish(); /* dropped or reopened: the interposers' check follows */
}

void shmfault_trace_fd(int fd)
{
    per_pid = 0;
    pattern[0] = '\0';
    sf_outfd_close(&out);
    sf_outfd_adopt_fd(&out, fd);
    publish();
}
