/*
 * zygote_test.c - the executor's workers come from its zygote (harness/src/exec_zygote.c):
 *   - sfz_exec_prefork starts the zygote before any worker, once (engines call it at their
 *     init, before their tables grow);
 *   - a worker is the executor's child (CLONE_PARENT), and so is exactly one other process, the
 *     zygote, which made it (a worker forked directly would leave the executor one child);
 *   - more workers: still one zygote, every worker the executor's child;
 *   - a zygote killed between requests is collected and replaced at the next one, and the
 *     worker it makes is the executor's child again;
 *   - shutdown ends every worker and the zygote: the executor has no child left.
 * Processes are found by their parent in /proc/<pid>/stat. Prints one line per failure.
 */
#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "exec_internal.h"


static pid_t parent_of(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    char state;
    int ppid;
    if (p == NULL || sscanf(p + 1, " %c %d", &state, &ppid) != 2 || state == 'Z')
        return -1; /* gone or a zombie: not a living child */
    return (pid_t)ppid;
}

/* This process's living children, up to MAX of them in OUT; returns how many there are. */
static unsigned children(pid_t *out, unsigned max)
{
    unsigned n = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        pid_t pid = (pid_t)atoi(e->d_name);
        if (parent_of(pid) == getpid()) {
            if (n < max)
                out[n] = pid;
            n++;
        }
    }
    if (d != NULL)
        closedir(d);
    return n;
}

/* The one child that is not a worker (0 if none or several). */
static pid_t the_zygote(void)
{
    pid_t kids[16], found = 0;
    unsigned n = children(kids, 16), others = 0;
    for (unsigned i = 0; i < n && i < 16; i++) {
        int worker = 0;
        for (unsigned w = 0; w < SFZ_MAX_PROCS; w++)
            worker |= sfz_pool_alive(w) && sfz_pool_pid(w) == kids[i];
        if (!worker) {
            found = kids[i];
            others++;
        }
    }
    return others == 1 ? found : 0;
}

static const struct sfz_adapter adapter = {
    "zygote-test", "workers from the zygote", NULL, 0, 0, 0, NULL, NULL, NULL, NULL};

int main(void)
{
    char err[256];
    struct sfz_exec_options opt = {0};
    opt.always_fork = 1;
    if (sfz_exec_init(&adapter, &opt, err, sizeof(err)) != 0) {
        printf("FAIL: sfz_exec_init: %s\n", err);
        return 1;
    }
    pid_t kids[16];

    sfz_exec_prefork();
    CHECK(children(kids, 16) == 1);
    pid_t zygote = the_zygote();
    CHECK(zygote > 0);
    sfz_exec_prefork();
    CHECK(children(kids, 16) == 1 && the_zygote() == zygote);

    CHECK(sfz_pool_ensure(0) == 0);
    CHECK(parent_of(sfz_pool_pid(0)) == getpid());
    CHECK(children(kids, 16) == 2);
    CHECK(the_zygote() == zygote); /* the worker came from the zygote started before it */
    CHECK(zygote > 0);

    CHECK(sfz_pool_ensure(1) == 0 && sfz_pool_ensure(2) == 0);
    CHECK(parent_of(sfz_pool_pid(1)) == getpid() && parent_of(sfz_pool_pid(2)) == getpid());
    CHECK(children(kids, 16) == 4);
    CHECK(the_zygote() == zygote);

    /* a dead zygote: replaced at the next request, its worker the executor's child again */
    if (zygote <= 0) { /* never kill(0): that is this whole process group */
        printf("FAIL: no zygote to kill\n");
        sfz_exec_shutdown();
        return 1;
    }
    CHECK(kill(zygote, SIGKILL) == 0);
    pid_t old_worker = sfz_pool_pid(1);
    sfz_pool_retire(1);
    CHECK(parent_of(old_worker) == -1);
    CHECK(sfz_pool_ensure(1) == 0);
    CHECK(sfz_pool_pid(1) != old_worker && parent_of(sfz_pool_pid(1)) == getpid());
    pid_t second = the_zygote();
    CHECK(second > 0 && second != zygote);
    CHECK(parent_of(zygote) == -1); /* the first one collected, not left a zombie */
    CHECK(children(kids, 16) == 4);

    sfz_exec_shutdown();
    CHECK(children(kids, 16) == 0);
    if (failures == 0)
        printf("ok: workers from one zygote, the executor's children; a dead zygote replaced\n");
    return failures != 0;
}
