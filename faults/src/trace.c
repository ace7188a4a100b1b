/*
 * trace.c - where the JSON Lines trace goes: a descriptor given through the C API, or the
 * SHMFAULT_TRACE path. "%p" in the path gives each process its own file (a forked child
 * reopens under its new pid); without it every process appends whole lines to one file
 * (O_APPEND and one write(2) per line keep lines intact).
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static char pattern[256];
static int per_pid;

static int open_expanded(void)
{
    char path[320];
    struct sf_buf b = {path, sizeof(path), 0};
    path[0] = '\0';
    for (const char *p = pattern; *p; p++) {
        if (p[0] == '%' && p[1] == 'p') {
            sf_put_dec(&b, sf_pid);
            p++;
        } else {
            sf_putc(&b, *p);
        }
    }
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

int sf_trace_open(const char *path)
{
    struct sf_buf b = {pattern, sizeof(pattern), 0};
    pattern[0] = '\0';
    sf_put(&b, path);
    per_pid = strstr(pattern, "%p") != NULL;
    int fd = open_expanded();
    if (fd < 0)
        return -1;
    sf_trace_fd = fd;
    sf_gate_update();
    return 0;
}

void sf_trace_reopen(void)
{
    if (!per_pid || sf_trace_fd < 0)
        return;
    int saved = errno;
    close(sf_trace_fd);
    sf_trace_fd = open_expanded();
    errno = saved;
    sf_gate_update();
}

void shmfault_trace_fd(int fd)
{
    per_pid = 0;
    pattern[0] = '\0';
    sf_trace_fd = fd < 0 ? -1 : fd;
    sf_gate_update();
}
