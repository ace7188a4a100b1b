/*
 * trace.c - what a cell's libshmfault trace (one JSON line per intercepted call, written by
 * faults/src/core.c) says: which calls were injected, in which process, and whether each
 * injected errno was truly retried: the same call (same function, same arguments but the
 * buffers it fills) on the same object, by the same process, that then succeeded. A later call
 * of the function on something else, or one that failed too, is no retry.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enum.h"
#include "shmfault.h"

static const char *field(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    return p ? p + strlen(key) : NULL;
}

int enum_line_fn(const char *line)
{
    const char *f = field(line, "\"fn\":\"");
    char name[64];
    size_t n = f ? strcspn(f, "\"") : 0;
    if (n == 0 || n >= sizeof(name))
        return -1;
    memcpy(name, f, n);
    name[n] = '\0';
    return shmfault_function_lookup(name);
}

/* The call's identity: its "args" text without the addresses of buffers it only fills. */
static void identity(const char *line, char *out, size_t size)
{
    const char *a = field(line, "\"args\":\"");
    size_t len = 0;
    out[0] = '\0';
    while (a && *a && *a != '"' && len + 1 < size) {
        size_t tok = strcspn(a, " \"");
        int skip = strncmp(a, "buf=", 4) == 0 || strncmp(a, "timeout=", 8) == 0;
        if (!skip && len + tok + 2 < size) {
            memcpy(out + len, a, tok);
            len += tok;
            out[len++] = ' ';
        }
        a += tok;
        if (*a == ' ')
            a++;
    }
    out[len] = '\0';
}

unsigned long enum_arg_num(const char *line, const char *key, unsigned long def)
{
    const char *a = field(line, "\"args\":\"");
    size_t klen = strlen(key);
    while (a && *a && *a != '"') {
        if (strncmp(a, key, klen) == 0 && a[klen] == '=')
            return strtoul(a + klen + 1, NULL, 0);
        a += strcspn(a, " \"");
        if (*a == ' ')
            a++;
    }
    return def;
}

unsigned long enum_class_of(int fn, const char *line)
{
    const char *name = fn >= 0 ? shmfault_function_name((unsigned)fn) : "";
    static const char *const by_cmd[] = {"shmctl", "semctl"};
    static const char *const by_oflag[] = {"shm_open", "sem_open"};
    for (size_t i = 0; i < 2; i++) {
        if (strcmp(name, by_cmd[i]) == 0)
            return enum_arg_num(line, "cmd", 0);
        if (strcmp(name, by_oflag[i]) == 0)
            return enum_arg_num(line, "oflag", 0);
    }
    return enum_arg_num(line, "flags", 0); /* shmget, semget, shmat, semop, mmap, memfd_create */
}

static int signal_of(const char *action)
{
    static const struct {
        const char *name;
        int sig;
    } sigs[] = {{"SIGKILL\"", 9}, {"SIGSEGV\"", 11}, {"SIGBUS\"", 7}, {"abort\"", 6}};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        if (strncmp(action, sigs[i].name, strlen(sigs[i].name)) == 0)
            return sigs[i].sig;
    return 0;
}

/* The key or name a call of shmget/semget/shm_open/sem_open names, into BUF; -1 if none. */
static int object_of(const char *line, char *buf, size_t size)
{
    return enum_arg_str(line, "key", buf, size) == 0 ? 0 : enum_arg_str(line, "name", buf, size);
}

/* After an injected EEXIST, the program opening the same key or name (the object EEXIST says
   is there) is the right handling, not a failure passed over. Under injection that open finds
   nothing (ENOENT): the errno claimed an object that does not exist, which no kernel does, so
   its failure is the injection's, and the open counts whether it succeeds or finds nothing
   (docs/outside-projects.md, mksSemaphores' control -c). */
static char inj_obj[ENUM_MAX_INJECTED][160]; /* what each injection's call named, "" if none */

static void note_fallback(struct run *r, long pid, int fn, const char *line)
{
    char obj[160];
    if (object_of(line, obj, sizeof(obj)) != 0)
        return;
    if (strstr(line, "\"errno\":null") == NULL && strstr(line, "\"errno\":\"ENOENT\"") == NULL)
        return;
    for (unsigned i = 0; i < r->ninj; i++) {
        struct injected *in = &r->inj[i];
        if (in->err == EEXIST && in->pid == pid && in->fn == fn && !in->retried &&
            strcmp(inj_obj[i], obj) == 0)
            in->retried = 2;
    }
}

void enum_scan_trace(struct run *r)
{
    char path[1200], line[2048];
    static char ids[ENUM_MAX_INJECTED][600];
    char id[600];
    r->ninj = 0;
    snprintf(path, sizeof(path), "%s/trace.jsonl", r->dir);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f)) {
        const char *pid = field(line, "\"pid\":");
        long p = pid ? strtol(pid, NULL, 10) : -1;
        int fn = enum_line_fn(line);
        const char *act = field(line, "\"injected\":\"");
        if (act != NULL && r->ninj < ENUM_MAX_INJECTED) {
            struct injected *in = &r->inj[r->ninj];
            char name[32];
            size_t len = strcspn(act, "\"");
            snprintf(name, sizeof(name), "%.*s", (int)(len < 31 ? len : 31), act);
            int sig = signal_of(act), err = sig ? 0 : shmfault_errno_lookup(name);
            *in = (struct injected){p, fn, sig, err > 0 ? err : 0, 0, enum_class_of(fn, line)};
            identity(line, ids[r->ninj], sizeof(ids[0]));
            if (object_of(line, inj_obj[r->ninj], sizeof(inj_obj[0])) != 0)
                inj_obj[r->ninj][0] = '\0';
            r->ninj++;
            continue;
        }
        if (act == NULL)
            note_fallback(r, p, fn, line);
        if (act != NULL || strstr(line, "\"errno\":null") == NULL)
            continue; /* a retry must succeed */
        identity(line, id, sizeof(id));
        for (unsigned i = 0; i < r->ninj; i++)
            if (r->inj[i].pid == p && r->inj[i].fn == fn && r->inj[i].sig == 0 &&
                strcmp(ids[i], id) == 0)
                r->inj[i].retried = 1;
    }
    if (f)
        fclose(f);
}

int enum_arg_str(const char *line, const char *key, char *buf, size_t size)
{
    const char *a = field(line, "\"args\":\"");
    size_t klen = strlen(key);
    while (a && *a && *a != '"') {
        size_t tok = strcspn(a, " \"");
        if (strncmp(a, key, klen) == 0 && a[klen] == '=' && tok - klen - 1 < size) {
            memcpy(buf, a + klen + 1, tok - klen - 1);
            buf[tok - klen - 1] = '\0';
            return 0;
        }
        a += tok;
        if (*a == ' ')
            a++;
    }
    return -1;
}

long enum_ret(const char *line)
{
    const char *r = field(line, "\"ret\":");
    return r && (*r == '-' || (*r >= '0' && *r <= '9')) ? strtol(r, NULL, 10) : -1;
}
