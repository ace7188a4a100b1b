/*
 * owners.c - which process created each object a cell left, read from the cell's trace (the
 * judge's "a failing creator owns what it leaves", tools/enum/judge.c). A cell starts in an
 * empty IPC namespace and /dev/shm, so replaying its calls in order tells creations from
 * opens: the first successful shm_open/sem_open with O_CREAT of a name nobody holds, a shmget/
 * semget of IPC_PRIVATE or with IPC_CREAT of a key nobody holds, creates; a successful
 * shm_unlink/sem_unlink or IPC_RMID ends the object. An object made without a traced call (a
 * file opened in /dev/shm, a process that is not preloaded) has no known creator, and an
 * object several processes could have made (two IPC_PRIVATE sets of one size) neither: the
 * judge then does not use this rule (precision first).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>

#include "enum.h"
#include "shmfault.h"

#define MAX_MADE 256
#define MAX_FAULTS 64

struct made {
    char obj[96]; /* "posix name=/x", or "sysv-shm key=0x0000abcd " (the left line's start) */
    long id;      /* the System V id, -1 for a name */
    long pid;     /* its creator */
    unsigned line;
    int live;
};

static struct made made[MAX_MADE];
static unsigned nmade;
struct fault_at {
    long pid;
    unsigned line;
};
static struct fault_at faults[MAX_FAULTS]; /* the injected errnos, by process and trace line */
static unsigned nfaults;

static struct made *live_obj(const char *obj)
{
    for (unsigned i = nmade; i-- > 0;)
        if (made[i].live && strcmp(made[i].obj, obj) == 0)
            return &made[i];
    return NULL;
}

static void create(const char *obj, long id, long pid, unsigned line)
{
    if (nmade >= MAX_MADE)
        return; /* past the table: those objects have no known creator */
    made[nmade] = (struct made){"", id, pid, line, 1};
    snprintf(made[nmade++].obj, sizeof(made[0].obj), "%s", obj);
}

/* The left line of POSIX NAME: a semaphore's file is "sem." before its name in /dev/shm. */
static void posix_obj(const char *name, int sem, char *out, size_t size)
{
    while (*name == '/')
        name++;
    snprintf(out, size, "posix name=/%s%s", sem ? "sem." : "", name);
}

/* A System V object's left line starts with its kind and key (forkserver.c list_sysv). */
static void sysv_obj(int sem, unsigned long key, char *out, size_t size)
{
    snprintf(out, size, "sysv-%s key=0x%08lx ", sem ? "sem" : "shm", key & 0xffffffffUL);
}

/* One successful call of function NAME (trace LINE, line number K of the trace, by PID). */
static void note_call(const char *name, const char *line, long pid, unsigned k)
{
    char obj[96], arg[80];
    int sem = name[1] == 'e'; /* sem_open, sem_unlink, semget, semctl */
    if (strcmp(name, "shm_open") == 0 || strcmp(name, "sem_open") == 0) {
        if (enum_arg_str(line, "name", arg, sizeof(arg)) != 0 ||
            !(enum_arg_num(line, "oflag", 0) & O_CREAT))
            return;
        posix_obj(arg, sem, obj, sizeof(obj));
        if (live_obj(obj) == NULL)
            create(obj, -1, pid, k);
    } else if (strcmp(name, "shm_unlink") == 0 || strcmp(name, "sem_unlink") == 0) {
        if (enum_arg_str(line, "name", arg, sizeof(arg)) != 0)
            return;
        posix_obj(arg, sem, obj, sizeof(obj));
        for (struct made *m; (m = live_obj(obj)) != NULL;)
            m->live = 0;
    } else if (strcmp(name, "shmget") == 0 || strcmp(name, "semget") == 0) {
        unsigned long key = enum_arg_num(line, "key", 1), flags = enum_arg_num(line, "flags", 0);
        long id = enum_ret(line);
        sysv_obj(sem, key, obj, sizeof(obj));
        if (id < 0 || (key != IPC_PRIVATE && !(flags & IPC_CREAT)))
            return;
        if (key == IPC_PRIVATE || live_obj(obj) == NULL)
            create(obj, id, pid, k);
    } else if (strcmp(name, "shmctl") == 0 || strcmp(name, "semctl") == 0) {
        char what[16];
        if (enum_arg_num(line, "cmd", ~0UL) != IPC_RMID ||
            enum_arg_str(line, sem ? "semid" : "shmid", what, sizeof(what)) != 0)
            return;
        long id = strtol(what, NULL, 10);
        for (unsigned i = 0; i < nmade; i++)
            if (made[i].live && made[i].id == id &&
                strncmp(made[i].obj, sem ? "sysv-sem " : "sysv-shm ", 9) == 0)
                made[i].live = 0;
    }
}

/* The creator of the object of left line L: the process of every live creation that matches
   it (0 when there is none, or when more than one process could have made it), with the trace
   line of its first such creation in *LINE. */
static long creator_of(const char *l, unsigned *line)
{
    long pid = 0;
    for (unsigned i = 0; i < nmade && i < MAX_MADE; i++) {
        const struct made *m = &made[i];
        int sysv = m->id >= 0;
        if (!m->live || (sysv ? strncmp(l, m->obj, strlen(m->obj)) != 0 : strcmp(l, m->obj) != 0))
            continue;
        if (pid != 0 && pid != m->pid)
            return 0;
        if (pid == 0)
            *line = m->line;
        pid = m->pid;
    }
    return pid;
}

static int faulted_after(long pid, unsigned line)
{
    for (unsigned i = 0; i < nfaults; i++)
        if (faults[i].pid == pid && faults[i].line > line)
            return 1;
    return 0;
}

void enum_read_owners(struct run *r)
{
    char path[1200], line[2048], name[64];
    unsigned k = 0;
    nmade = nfaults = 0;
    memset(r->left_creator, 0, sizeof(r->left_creator));
    memset(r->left_faulted, 0, sizeof(r->left_faulted));
    snprintf(path, sizeof(path), "%s/trace.jsonl", r->dir);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f)) {
        const char *p = strstr(line, "\"pid\":"), *inj = strstr(line, "\"injected\":\"");
        long pid = p ? strtol(p + 6, NULL, 10) : 0;
        int fn = enum_line_fn(line);
        k++;
        if (fn < 0 || pid <= 0)
            continue;
        /* an injected errno (a kill is the plan's doing, judged elsewhere) */
        if (inj != NULL && strncmp(inj + 12, "SIG", 3) != 0 && strncmp(inj + 12, "abort", 5) != 0 &&
            nfaults < MAX_FAULTS)
            faults[nfaults++] = (struct fault_at){pid, k};
        if (strstr(line, "\"errno\":null") == NULL)
            continue; /* only a call that succeeded makes or ends an object */
        snprintf(name, sizeof(name), "%s", shmfault_function_name((unsigned)fn));
        note_call(name, line, pid, k);
    }
    if (f)
        fclose(f);
    for (unsigned i = 0; i < r->nleft; i++) {
        unsigned at = 0;
        r->left_creator[i] = creator_of(r->left[i], &at);
        r->left_faulted[i] = r->left_creator[i] > 0 && faulted_after(r->left_creator[i], at);
    }
}
