/*
 * deaths.c - how every process of a cell's tree ended. The enumerator turns on BSD process
 * accounting (acct(2)) inside each fork server's PID namespace before it execs the program;
 * the kernel then writes one record per process of that namespace when it ends (before its
 * parent can reap it), whoever its parent is and whether or not anyone waits for it: forked
 * children, exec'd children, orphans, daemons. A record carries the pid as the namespace sees
 * it (the trace's pids), the command name (comm) and the exit code or signal. Nothing in the
 * program has to cooperate, and nothing outside the namespace is recorded. Which of them were
 * still running when the cell ended (and so were killed by the server) is the server's own
 * list, written just before the kill (enum_read_alive).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acct.h>
#include <unistd.h>

#include "enum.h"

int enum_crash_signal(int sig)
{
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGABRT || sig == SIGILL || sig == SIGFPE ||
           sig == SIGSYS || sig == SIGTRAP;
}

const struct death *enum_death_of(const struct run *r, long pid)
{
    for (unsigned i = 0; i < r->ndeaths; i++)
        if (r->deaths[i].pid == pid)
            return &r->deaths[i];
    return NULL;
}

static void add(struct run *r, const struct acct_v3 *a)
{
    if (r->ndeaths >= ENUM_MAX_DEATHS || a->ac_version != 3)
        return;
    struct death *d = &r->deaths[r->ndeaths++];
    memset(d, 0, sizeof(*d));
    d->pid = (long)a->ac_pid;
    memcpy(d->comm, a->ac_comm, sizeof(a->ac_comm) < ENUM_COMM ? sizeof(a->ac_comm) : ENUM_COMM);
    d->comm[ENUM_COMM] = '\0';
    d->forked = (a->ac_flag & AFORK) != 0;
    /* the kernel's exit code: a wait status (signal in the low 7 bits, exit status above) */
    if (a->ac_flag & AXSIG)
        d->sig = (int)(a->ac_exitcode & 0x7f);
    else
        d->code = (int)((a->ac_exitcode >> 8) & 0xff);
}

void enum_read_deaths(struct run *r, const char *acct_file, long offset)
{
    struct acct_v3 a;
    r->ndeaths = 0;
    r->main_pid = -1;
    int fd = open(acct_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    if (lseek(fd, offset, SEEK_SET) == offset)
        while (read(fd, &a, sizeof(a)) == (ssize_t)sizeof(a))
            add(r, &a);
    close(fd);
    /* the cell's main process is the first it forked: the lowest pid (the namespace's pids only
       grow, one cell after another) */
    unsigned m = 0;
    for (unsigned i = 1; i < r->ndeaths; i++)
        if (r->deaths[i].pid < r->deaths[m].pid)
            m = i;
    if (r->ndeaths == 0)
        return;
    r->main_pid = r->deaths[m].pid;
    /* the server kills what is still running once the main process has ended: SIGKILL records
       written after the main one are processes that were alive at the end of the cell */
    for (unsigned i = m + 1; i < r->ndeaths; i++) {
        r->deaths[i].at_cleanup = r->deaths[i].sig == SIGKILL;
        r->deaths[i].outlived = 1; /* the kernel writes the records in the order they end */
    }
}

void enum_read_alive(struct run *r, const char *alive_file)
{
    char line[128];
    FILE *f = fopen(alive_file, "re");
    if (f == NULL)
        return; /* no list: the guess of enum_read_deaths stands */
    for (unsigned i = 0; i < r->ndeaths; i++)
        r->deaths[i].at_cleanup = 0;
    while (fgets(line, sizeof(line), f)) {
        long pid = strtol(line, NULL, 10);
        for (unsigned i = 0; i < r->ndeaths; i++)
            if (r->deaths[i].pid == pid)
                r->deaths[i].at_cleanup = 1;
    }
    fclose(f);
}
