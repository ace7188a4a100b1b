/*
 * shmfault-enum.c - the fault matrix of `shmfuzz enumerate`, both modes: one matrix driver and
 * one judge (tools/enum/judge.c) over two cell runners (struct enum_runner): a black-box
 * program through libshmfault.so's fork server (`-- PROGRAM`, below), or a harness input
 * through the target's replay driver (`--replay sfz-T-replay --input FILE`,
 * tools/enum/replay_runner.c: one replay per cell, judged by the harness's verdict). docs/cli.md
 * defines the outcomes.
 *
 * The program is exec'd once, as PID 1 of new PID, IPC and mount namespaces with process
 * accounting on (tools/enum/deaths.c: how every process of a cell's tree ended), and stops in
 * libshmfault's constructor; every cell is then a fork of it with a fresh IPC namespace and
 * /dev/shm (shmfault_forkserver.h). The clean run is made --baseline times (3 by default) and
 * must succeed; its trace lists the fault points: (process image, function, per-process call
 * number), and the image's run number when it ran several times one after another
 * (tools/enum/runs.c). Each point is failed with each errno the kernel can return for that call's class
 * (realistic.def; --errnos documented for every errno its man page lists) and with --crash
 * killed before and after the real call; each cell is judged from the whole tree
 * (tools/enum/judge.c).
 *
 *   shmfault-enum --lib SO --runs DIR [--timeout S] [--errnos MODE] [--crash] [--baseline N]
 *                 [--suppressions FILE] [--max-points N] [--jobs N] [--rule RULE]
 *                 [--valgrind [--valgrind-supp FILE]... [--valgrind-reachable]]
 *                 -- PROGRAM [ARGS...]
 *   shmfault-enum --replay SFZ-T-REPLAY --input FILE --runs DIR [the options above but --lib,
 *                 --suppressions and --valgrind...]
 *   MODE: realistic (default), peer (realistic + a peer removed the object), documented (or
 *         all: every errno of the man page), first (the first realistic one)
 *
 * --valgrind starts each fork server under memcheck, so every cell is a fork of an instrumented
 * process (one Valgrind start per server, not per cell); memcheck.c judges the heap leaks and
 * memory errors (and, always, sanitizer reports) of each cell against the clean run's.
 *
 * Writes DIR/cells.tsv (cell, function, call, fault, outcome, status, why, process); each
 * run's files stay in DIR/clean* and DIR/CELL when the cell is not ok (with --rule: DIR/cell).
 *   shmfault-enum --faults FUNCTION [--class N | --line TRACE-LINE] [--errnos MODE] [--crash]
 *                 the faults a point of FUNCTION (a call of class value N, or the call of that
 *                 trace line) gets, one a line
 * Exit status: 0 every cell ok, 1 some cell not ok, 2 usage or set-up error, or a clean run
 * that fails (the matrix would be judged against a failure).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "enum/enum.h"
#include "memcheck.h"
#include "shmfault.h"
#include "shmfault_forkserver.h"

#define MAX_POINTS 4096
#define MAX_FAULTS 64
#define MAX_JOBS 64
#define MAX_BASE 8

extern char **environ;

enum errnos { ERRNOS_REALISTIC, ERRNOS_PEER, ERRNOS_DOCUMENTED, ERRNOS_FIRST };

struct options {
    const char *lib, *runs, *rule, *suppressions;
    const char *replay, *input; /* harness-input mode: the target's replay driver, the input */
    unsigned timeout_s, max_points, jobs, baseline;
    enum errnos errnos;
    int crash;
    char **prog;
};

struct point {
    unsigned fn;
    unsigned long call;
    unsigned long cls;
    char image[ENUM_COMM + 1]; /* "" when the whole tree runs one image */
    unsigned long run;         /* the image's run number (image= stays), 0 not told apart */
    int child;                 /* the call is made by a process other than the main one */
    int forked;                /* ... by a fork that never exec'd: libshmfault's proc=children
                                  (an exec'd process is the first of its own tree: proc=first) */
    int own;                   /* what the call cannot meet (OWN_ mask): on an object the
                                  tree created itself, or on none (ENOENT), by key, ... */
    int roles;                 /* several processes call: the rule names the role */
    char process[ENUM_COMM + 40]; /* "IMAGE (main)", "IMAGE run 2 (child)" */
    int no_eintr;              /* every clean-run call of the point shows EINTR impossible */
};

struct server {
    pid_t pid;
    int sock;
    int busy;           /* a cell is running */
    unsigned cell;      /* which (index into the matrix) */
    long acct_off;      /* where its accounting file stood when the cell started */
    int clean;          /* the cell is a clean run */
    char dir[1024];
    char acct[1100];
};
static struct server servers[MAX_JOBS];
static unsigned nservers;

__attribute__((noreturn, format(printf, 1, 2))) void enum_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("shmfault-enum: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    for (unsigned i = 0; i < nservers; i++)
        kill(servers[i].pid, SIGKILL);
    exit(2);
}

static int usage(void)
{
    fputs("usage: shmfault-enum --lib SO --runs DIR [--timeout S] [--errnos MODE] [--crash]\n"
          "                     [--baseline N (1..8)] [--suppressions FILE] [--max-points N]\n"
          "                     [--jobs N (1..64)] [--rule RULE]\n"
          "                     [--valgrind [--valgrind-supp FILE]... [--valgrind-reachable]]\n"
          "                     -- PROGRAM [ARGS...]\n"
          "       shmfault-enum --replay SFZ-T-REPLAY --input FILE --runs DIR [--timeout S]\n"
          "                     [--errnos MODE] [--crash] [--baseline N] [--max-points N]\n"
          "                     [--jobs N] [--rule RULE]\n"
          "       shmfault-enum --faults FUNCTION [--class N | --line TRACE-LINE] [--errnos MODE]\n"
          "                     [--crash]\n"
          "  MODE: realistic (default), peer, documented (= all), first\n",
          stderr);
    return 2;
}

static unsigned long parse_num(const char *opt, const char *v, unsigned long max)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 0);
    if (*v == '\0' || *end != '\0' || errno != 0 || n > max || v[0] == '-')
        enum_die("%s wants a number, not '%s'", opt, v);
    return n;
}

static unsigned parse_uint(const char *opt, const char *v)
{
    return (unsigned)parse_num(opt, v, 1000000);
}

static int parse_errnos(const char *v, enum errnos *out)
{
    static const struct {
        const char *name;
        enum errnos mode;
    } modes[] = {{"realistic", ERRNOS_REALISTIC}, {"peer", ERRNOS_PEER},
                 {"documented", ERRNOS_DOCUMENTED}, {"all", ERRNOS_DOCUMENTED},
                 {"first", ERRNOS_FIRST}};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        if (strcmp(v, modes[i].name) == 0) {
            *out = modes[i].mode;
            return 0;
        }
    return -1;
}

static int parse_options(int argc, char **argv, struct options *o)
{
    *o = (struct options){.timeout_s = 5, .jobs = 1, .baseline = 3};
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--crash") == 0) {
            o->crash = 1;
            continue;
        }
        int mc_used = memcheck_option(a, v); /* --valgrind... (memcheck.h) */
        if (mc_used != 0) {
            if (mc_used < 0)
                return -1;
            i += mc_used - 1;
            continue;
        }
        if (v == NULL)
            return -1;
        if (strcmp(a, "--lib") == 0)
            o->lib = v;
        else if (strcmp(a, "--replay") == 0)
            o->replay = v;
        else if (strcmp(a, "--input") == 0)
            o->input = v;
        else if (strcmp(a, "--runs") == 0)
            o->runs = v;
        else if (strcmp(a, "--rule") == 0)
            o->rule = v;
        else if (strcmp(a, "--suppressions") == 0)
            o->suppressions = v;
        else if (strcmp(a, "--timeout") == 0)
            o->timeout_s = parse_uint(a, v);
        else if (strcmp(a, "--max-points") == 0)
            o->max_points = parse_uint(a, v);
        else if (strcmp(a, "--jobs") == 0)
            o->jobs = parse_uint(a, v);
        else if (strcmp(a, "--baseline") == 0)
            o->baseline = parse_uint(a, v);
        else if (strcmp(a, "--errnos") == 0) {
            if (parse_errnos(v, &o->errnos) != 0)
                enum_die("--errnos is realistic, peer, documented (or all) or first, not '%s'", v);
        } else
            return -1;
        i++;
    }
    if (o->runs == NULL || o->timeout_s == 0 || o->jobs == 0 || o->jobs > MAX_JOBS ||
        o->baseline == 0 || o->baseline > MAX_BASE)
        return -1;
    if (o->replay != NULL) /* a harness input: no program, no preload */
        return i == argc && o->input != NULL && !memcheck_valgrind() ? 0 : -1;
    if (i + 1 >= argc || o->lib == NULL || o->input != NULL)
        return -1;
    o->prog = argv + i + 1;
    return 0;
}

/* ---- the server -------------------------------------------------------------------------- */

/* The environment of the server: the caller's, minus what each cell sets itself. */
static char **server_environment(const char *lib)
{
    static const char *const drop[] = {"LD_PRELOAD=", "SHMFAULT_RULES=", "SHMFAULT_RULES_FILE=",
                                       "SHMFAULT_TRACE=", "SHMFAULT_LEDGER=",
                                       "SHMFAULT_FORKSERVER="};
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 3, sizeof(char *));
    size_t k = 0;
    if (env == NULL)
        enum_die("out of memory");
    for (size_t i = 0; i < n; i++) {
        int keep = 1;
        for (size_t d = 0; d < sizeof(drop) / sizeof(drop[0]); d++)
            keep &= strncmp(environ[i], drop[d], strlen(drop[d])) != 0;
        if (keep)
            env[k++] = environ[i];
    }
    if (asprintf(&env[k++], "LD_PRELOAD=%s", lib) < 0 ||
        asprintf(&env[k++], "SHMFAULT_FORKSERVER=3") < 0)
        enum_die("out of memory");
    return env;
}

struct start {
    int sock;
    const char *acct;
    char **prog, **env;
};

/* PID 1 of the new namespaces: private mounts, its own /proc and /dev/shm, accounting of
   every process that ends in this PID namespace, then the program. */
static int server_main(void *arg)
{
    const struct start *s = arg;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0 ||
        mount("shmfault", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0) {
        fprintf(stderr, "shmfault-enum: cannot set up the namespaces' mounts: %s\n",
                strerror(errno));
        _exit(125);
    }
    if (acct(s->acct) != 0) /* judged from the main process alone then (tools/enum/judge.c) */
        fprintf(stderr, "shmfault-enum: warning: no process accounting in the namespace (%s): "
                "only the main process's death is seen, and points are not told apart by "
                "process\n", strerror(errno));
    if (dup2(s->sock, 3) != 3 || fcntl(3, F_SETFD, 0) != 0) /* 3 stays open across exec */
        _exit(125);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0)
        dup2(null, 0);
    execve(s->prog[0], s->prog, s->env);
    fprintf(stderr, "shmfault-enum: cannot run %s: %s\n", s->prog[0], strerror(errno));
    _exit(127);
}

static int receive(int sock, struct shmfault_fs_reply *r, int timeout_ms)
{
    struct pollfd p = {sock, POLLIN, 0};
    int n = poll(&p, 1, timeout_ms);
    if (n <= 0)
        return -1;
    return recv(sock, r, sizeof(*r), 0) == (ssize_t)sizeof(*r) ? 0 : -1;
}

static void start_server(const struct options *o, struct server *sv, unsigned index)
{
    int pair[2];
    snprintf(sv->acct, sizeof(sv->acct), "%s/acct.%u", o->runs, index);
    int fd = open(sv->acct, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        enum_die("cannot create %s: %s", sv->acct, strerror(errno));
    close(fd);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
        enum_die("socketpair: %s", strerror(errno));
    char logdir[1100];
    snprintf(logdir, sizeof(logdir), "%s/.memcheck-%u", o->runs, (unsigned)(sv - servers));
    char **cmd = memcheck_command(o->prog, logdir); /* the program, or memcheck in front */
    if (cmd == NULL)
        enum_die("cannot start the program under Valgrind");
    struct start s = {pair[1], sv->acct, cmd, server_environment(o->lib)};
    static char stack[256 * 1024]; /* the clone child execs at once: one stack serves all */
    sv->pid = clone(server_main, stack + sizeof(stack),
                    CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNS | SIGCHLD, &s);
    if (sv->pid < 0)
        enum_die("cannot create PID, IPC and mount namespaces (%s): run as root", strerror(errno));
    close(pair[1]);
    sv->sock = pair[0];
    nservers++;
    struct shmfault_fs_reply hello;
    if (receive(sv->sock, &hello, 10000) != 0 || hello.status != SHMFAULT_FS_HELLO)
        enum_die("%s did not start libshmfault's fork server (%s is not loaded into it: a static "
            "or set-id program?)", o->prog[0], o->lib);
}

static void start_servers(const struct options *o)
{
    for (unsigned i = 0; i < o->jobs; i++)
        start_server(o, &servers[i], i);
}

static void stop_servers(void)
{
    for (unsigned i = 0; i < nservers; i++)
        close(servers[i].sock);
    for (unsigned i = 0; i < nservers; i++) {
        int st;
        while (waitpid(servers[i].pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
}

/* ---- one run ----------------------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The first MAX lines of FILE in DIR, without their newlines, into BUF; returns how many. */
static unsigned read_lines(const char *dir, const char *file, char (*buf)[160], unsigned max)
{
    char path[1200], line[512];
    unsigned n = 0;
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *f = fopen(path, "re");
    while (f && n < max && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        snprintf(buf[n++], sizeof(buf[0]), "%.159s", line);
    }
    if (f)
        fclose(f);
    return n;
}

void enum_fresh_dir(const char *dir)
{
    char cwd[1100];
    snprintf(cwd, sizeof(cwd), "%s/cwd", dir);
    remove_tree(dir);
    if (mkdir(dir, 0755) != 0 || mkdir(cwd, 0755) != 0)
        enum_die("cannot create %s: %s", cwd, strerror(errno));
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* The processes still running at the end of a clean run, "COMM" a line, as many of each as
   the most any clean run left (a launcher's daemon): a cell's grace stops early when only
   these are left, and the judge does not call them orphans (tools/enum/judge.c). */
static char survivors[512];

static void add_survivors(const struct run *r)
{
    for (unsigned i = 0; i < r->ndeaths; i++) {
        const struct death *d = &r->deaths[i];
        if (!d->at_cleanup || d->pid == r->main_pid)
            continue;
        unsigned in_run = 0, kept = 0;
        for (unsigned j = 0; j < r->ndeaths; j++)
            in_run += r->deaths[j].at_cleanup && r->deaths[j].pid != r->main_pid &&
                      strcmp(r->deaths[j].comm, d->comm) == 0;
        for (const char *l = survivors; *l; l += strcspn(l, "\n") + 1)
            kept += strncmp(l, d->comm, strlen(d->comm)) == 0 && l[strlen(d->comm)] == '\n';
        size_t len = strlen(survivors);
        if (kept < in_run && len + strlen(d->comm) + 2 < sizeof(survivors))
            snprintf(survivors + len, sizeof(survivors) - len, "%s\n", d->comm);
    }
}

/* Starts a cell on SV: a fresh DIR with cwd/, and the request. */
static void send_cell(const struct options *o, struct server *sv, const char *dir, const char *rule)
{
    struct shmfault_fs_request rq;
    memset(&rq, 0, sizeof(rq));
    enum_fresh_dir(dir);
    if (strlen(dir) >= sizeof(rq.dir) || strlen(rule) >= sizeof(rq.rules))
        enum_die("run directory or rule too long");
    rq.timeout_ms = o->timeout_s * 1000u;
    rq.grace_ms = rq.timeout_ms; /* generous: a child as slow again as the whole time box */
    strcpy(rq.dir, dir);
    strcpy(rq.rules, rule);
    strcpy(rq.survivors, survivors); /* fits: the same size */
    sv->clean = rule[0] == '\0';
    sv->acct_off = file_size(sv->acct);
    if (send(sv->sock, &rq, sizeof(rq), MSG_NOSIGNAL) != (ssize_t)sizeof(rq))
        enum_die("the fork server is gone (before cell %s)", dir);
    strcpy(sv->dir, rq.dir); /* fits: checked against the request's field above */
    sv->busy = 1;
}

/* The start of file PATH into BUF as a string ("" if it cannot be read). */
static void read_head(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : 0;
    buf[n > 0 ? n : 0] = '\0';
    if (fd >= 0)
        close(fd);
}

/* What the cell printed: stderr (its first line, its start) and the start of stdout. */
static void read_output(struct run *r)
{
    char path[1200], err[1][160];
    snprintf(path, sizeof(path), "%s/stderr", r->dir);
    r->said_why = file_size(path) > 0;
    if (read_lines(r->dir, "stderr", err, 1) == 1)
        snprintf(r->first_err, sizeof(r->first_err), "%.80s", err[0]);
    read_head(path, r->err_text, sizeof(r->err_text));
    snprintf(path, sizeof(path), "%s/stdout", r->dir);
    read_head(path, r->out_text, sizeof(r->out_text));
}

/* Waits for SV's cell and reads what it produced into R. */
static void collect_cell(const struct options *o, struct server *sv, struct run *r)
{
    struct shmfault_fs_reply rep;
    memset(r, 0, sizeof(*r));
    snprintf(r->dir, sizeof(r->dir), "%s", sv->dir);
    if (receive(sv->sock, &rep, (int)(o->timeout_s * 2000u) + 30000) != 0)
        enum_die("the fork server is gone (during cell %s)", sv->dir);
    sv->busy = 0;
    if (rep.error != 0)
        enum_die("the fork server could not set up a cell: %s", strerror(rep.error));
    r->timed_out = rep.timed_out;
    r->sig = !rep.timed_out && WIFSIGNALED(rep.status) ? WTERMSIG(rep.status) : 0;
    r->code = !rep.timed_out && WIFEXITED(rep.status) ? WEXITSTATUS(rep.status) : 0;
    r->status = rep.timed_out ? 124 : r->sig ? 128 + r->sig : r->code;
    read_output(r);
    r->nleft = read_lines(r->dir, "left", r->left, ENUM_MAX_LEFT);
    enum_read_deaths(r, sv->acct, sv->acct_off);
    char alive[1200];
    snprintf(alive, sizeof(alive), "%s/alive", r->dir);
    enum_read_alive(r, alive);
    if (sv->clean)
        add_survivors(r);
    enum_scan_trace(r);
    enum_read_owners(r);
    char mcdir[1200];
    snprintf(mcdir, sizeof(mcdir), "%s/.memcheck-%u", o->runs, (unsigned)(sv - servers));
    memcheck_collect(mcdir, r->dir);
}

/* The fork-server cell runner: one slot per server (--jobs). */
static const struct options *fs_opts;

static unsigned fs_slots(void)
{
    return nservers;
}

static void fs_send(unsigned slot, const char *dir, const char *rule)
{
    send_cell(fs_opts, &servers[slot], dir, rule);
}

static int fs_fd(unsigned slot)
{
    return servers[slot].sock;
}

static void fs_collect(unsigned slot, struct run *r)
{
    collect_cell(fs_opts, &servers[slot], r);
}

static const struct enum_runner forkserver_runner = {fs_slots, fs_send, fs_fd, fs_collect};

/* The runner of this matrix: the fork server (black box) or the replay driver (--replay). */
static const struct enum_runner *runner;

static void run_cell(struct run *r, const char *dir, const char *rule)
{
    runner->send(0, dir, rule);
    runner->collect(0, r);
}

/* ---- the matrix -------------------------------------------------------------------------- */

/* The image of process PID of run R ("" if unknown). */
static const char *image_of(const struct run *r, long pid)
{
    const struct death *d = enum_death_of(r, pid);
    return d ? d->comm : "";
}

/* Objects the tree creates itself, with an owner who may read and write them: the same user
   can never get EACCES or EPERM on them (docs/faults.md "Realistic errnos"). */
#define MAX_OWN 256
static struct {
    char what[200];     /* "shm 3", "sem 0", "name /x", "shmkey 0x6b00ab1c 3", "path /x" */
    unsigned long size; /* a key's: the size or nsems it was created with */
} own[MAX_OWN];
static unsigned nown;

/* A record that does not fit is never kept or matched: a cut path must not pass for another. */
static void own_add(const char *kind, const char *id)
{
    if (nown < MAX_OWN && strlen(kind) + 1 + strlen(id) < sizeof(own[0].what))
        snprintf(own[nown].what, sizeof(own[0].what), "%s %s", kind, id), own[nown++].size = 0;
}

static long own_find(const char *kind, const char *id)
{
    char what[sizeof(own[0].what)];
    if (strlen(kind) + 1 + strlen(id) >= sizeof(what))
        return -1;
    snprintf(what, sizeof(what), "%s %s", kind, id);
    for (unsigned i = 0; i < nown; i++)
        if (strcmp(own[i].what, what) == 0)
            return (long)i;
    return -1;
}

static int own_has(const char *kind, const char *id)
{
    return own_find(kind, id) >= 0;
}

/* What a point's call cannot meet (struct point's own, a mask). */
enum {
    OWN_PERM = 1,   /* the tree's own object, or none: EACCES, EPERM */
    OWN_KEY = 2,    /* an open by key of a set or segment the tree created with the owner's read
                       and write, asking no more than it holds: EACCES, EPERM, EINVAL */
    OWN_OPENED = 4, /* shmget/semget with IPC_CREAT that returned that object: nothing was
                       created, so no creation errno (ENOSPC, ENOMEM, ENFILE) */
    OWN_PATH = 8,   /* ftok of "." or of a path an ftok of the tree resolved before: ENOENT and
                       EACCES only if a peer removes it or changes its mode (--errnos peer) */
};

/* Records what LINE (a call of FN) creates, when its mode gives the owner read and write. */
static void note_creation(int fn, const char *line)
{
    const char *name = shmfault_function_name((unsigned)fn);
    char id[64], key[160];
    long ret = enum_ret(line);
    unsigned long flags = enum_arg_num(line, "flags", 0);
    if ((strcmp(name, "shmget") == 0 || strcmp(name, "semget") == 0) && ret >= 0 &&
        (flags & 0600) == 0600) {
        int shm = name[1] == 'h';
        snprintf(id, sizeof(id), "%ld", ret);
        if ((flags & IPC_CREAT) && !own_has(shm ? "shm" : "sem", id) &&
            enum_arg_str(line, "key", key, sizeof(key) - sizeof(id)) == 0 &&
            strtoul(key, NULL, 0) != IPC_PRIVATE && nown < MAX_OWN) { /* created by key */
            snprintf(key + strlen(key), sizeof(id) + 1, " %s", id);
            own_add(shm ? "shmkey" : "semkey", key);
            own[nown - 1].size = enum_arg_num(line, shm ? "size" : "nsems", 0);
        }
        own_add(shm ? "shm" : "sem", id);
    }
    if (strcmp(name, "ftok") == 0 && strstr(line, "\"errno\":null") != NULL &&
        enum_arg_str(line, "path", key, sizeof(key)) == 0 && !own_has("path", key))
        own_add("path", key);
    if ((strcmp(name, "shm_open") == 0 || strcmp(name, "sem_open") == 0) &&
        strstr(line, "\"errno\":null") != NULL && (enum_arg_num(line, "oflag", 0) & O_CREAT) &&
        (enum_arg_num(line, "mode", 0) & 0600) == 0600 &&
        enum_arg_str(line, "name", id, sizeof(id)) == 0)
        own_add("name", id);
}

/* Is the object LINE's call works on one the tree created (note_creation)? */
static int on_own_object(const char *line)
{
    char id[64];
    if (enum_arg_str(line, "shmid", id, sizeof(id)) == 0)
        return own_has("shm", id);
    if (enum_arg_str(line, "semid", id, sizeof(id)) == 0)
        return own_has("sem", id);
    if (enum_arg_str(line, "name", id, sizeof(id)) == 0)
        return own_has("name", id);
    return 0;
}

/* Before LINE's call (of FN) is noted: what it cannot meet because the clean run shows the
   object or path was the tree's own (OWN_KEY, OWN_OPENED, OWN_PATH; 0 if none). A shmget or
   semget by key that returned the id the tree created under that key, with the owner's read and
   write, asking for no more than the size or nsems it was created with, opened it: neither
   EACCES nor EINVAL nor a creation errno can happen (docs/outside-projects.md, causes 3-5). */
static int known_before(int fn, const char *line)
{
    const char *name = shmfault_function_name((unsigned)fn);
    char key[200];
    if (strcmp(name, "ftok") == 0 && enum_arg_str(line, "path", key, sizeof(key)) == 0)
        return strcmp(key, ".") == 0 || own_has("path", key) ? OWN_PATH : 0;
    int shm = strcmp(name, "shmget") == 0;
    long ret = enum_ret(line);
    if ((!shm && strcmp(name, "semget") != 0) || ret < 0 ||
        enum_arg_str(line, "key", key, sizeof(key) - 32) != 0)
        return 0;
    snprintf(key + strlen(key), 32, " %ld", ret);
    long i = own_find(shm ? "shmkey" : "semkey", key);
    if (i < 0 || enum_arg_num(line, shm ? "size" : "nsems", ~0UL) > own[i].size)
        return 0;
    return OWN_KEY | OWN_OPENED;
}

/* Did LINE's call find no object (ENOENT in the clean run: a best-effort shm_unlink before
   creating, an open that falls back to creating)? The kernel looks the name or key up before
   it checks permissions, so that call can never be refused (EACCES, EPERM) either
   (docs/outside-projects.md, shmem_sendbuf). */
static int found_nothing(const char *line)
{
    return strstr(line, "\"errno\":\"ENOENT\"") != NULL && strstr(line, "\"injected\":null");
}

/* One fault point's call in a trace: what list_points and agree_clean_run read of a line. */
struct trace_call {
    int fn, child, known;
    unsigned long call, run;
    long pid;
    const char *img;
};

/* The next line of F (a trace of run R) that is a fault point's call, with the creation it
   records noted (note_creation) and what was known before it (known_before). 0 at the end. */
static int next_call(FILE *f, const struct run *r, char *line, int size, struct trace_call *t)
{
    while (f && fgets(line, size, f)) {
        int fn = enum_line_fn(line);
        const char *c = strstr(line, "\"call\":"), *p = strstr(line, "\"pid\":");
        unsigned long call = c ? strtoul(c + 7, NULL, 10) : 0;
        if (fn < 0 || call == 0 || (strcmp(shmfault_function_name((unsigned)fn), "fork") == 0 &&
                                    enum_ret(line) == 0))
            continue; /* the child's return from fork is the parent's call, not a point */
        long pid = p ? strtol(p + 6, NULL, 10) : -1;
        const char *img = image_of(r, pid);
        int known = known_before(fn, line);
        note_creation(fn, line);
        *t = (struct trace_call){fn, r->main_pid >= 0 && pid != r->main_pid, known, call,
                                 enum_run_of(img, line), pid, img};
        return 1;
    }
    return 0;
}

static FILE *open_trace(const struct run *r)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/trace.jsonl", r->dir);
    return fopen(path, "re");
}

/* Fault points of the clean run: (image, role, function, per-process call number) in order of
   first appearance, with the class of that call. Image and role stay "" when the whole tree
   is one process (or one image): the rule then needs no selector. */
static unsigned list_points(const struct run *clean, struct point *pts, unsigned max)
{
    char line[2048], first[ENUM_COMM + 1] = "";
    unsigned n = 0;
    int images = 0, procs = 0;
    long first_pid = -1;
    struct trace_call t;
    FILE *f = open_trace(clean);
    while (n < max && next_call(f, clean, line, sizeof(line), &t)) {
        if (images == 0)
            snprintf(first, sizeof(first), "%s", t.img), images = 1, first_pid = t.pid;
        else if (strcmp(first, t.img) != 0)
            images = 2;
        procs |= t.pid != first_pid && clean->main_pid >= 0; /* roles need the accounting */
        int seen = 0;
        for (unsigned i = 0; i < n && !seen; i++) {
            seen = pts[i].fn == (unsigned)t.fn && pts[i].call == t.call &&
                   strcmp(pts[i].image, t.img) == 0 && pts[i].child == t.child &&
                   pts[i].run == t.run;
            if (seen)
                pts[i].no_eintr &= enum_no_eintr(t.fn, line); /* every call of the point */
        }
        if (seen)
            continue;
        const struct death *d = enum_death_of(clean, t.pid);
        pts[n] = (struct point){(unsigned)t.fn, t.call, enum_class_of(t.fn, line), "", t.run,
                                t.child, t.child && d && d->forked,
                                (on_own_object(line) || found_nothing(line) ? OWN_PERM : 0) |
                                    t.known,
                                procs, "", enum_no_eintr(t.fn, line)};
        snprintf(pts[n].image, sizeof(pts[n].image), "%s", t.img);
        n++;
    }
    if (f)
        fclose(f);
    for (unsigned i = 0; i < n; i++) {
        char nth[32] = "";
        if (pts[i].run)
            snprintf(nth, sizeof(nth), " run %lu", pts[i].run);
        snprintf(pts[i].process, sizeof(pts[i].process), "%s%s (%s)", pts[i].image, nth,
                 pts[i].child ? "child" : "main");
        if (images < 2 && pts[i].run == 0) /* run= needs image= */
            pts[i].image[0] = '\0';
        pts[i].roles = procs; /* several processes call: the rule names the role */
    }
    return n;
}

/* What clean run R shows that the first one showed too: OWN_KEY, OWN_OPENED and OWN_PATH
   exclude an errno, and no_eintr drops EINTR, only when every clean run shows it (a lock free
   in one clean run may be taken in another). Clears in PTS (N points of the first clean run)
   what R does not show; a point R does not reach at all keeps neither. */
static void agree_clean_run(const struct run *r, struct point *pts, unsigned n)
{
    static unsigned char met[MAX_POINTS];
    char line[2048];
    struct trace_call t;
    memset(met, 0, n);
    nown = 0;
    FILE *f = open_trace(r);
    while (next_call(f, r, line, sizeof(line), &t)) {
        for (unsigned i = 0; i < n; i++)
            if (pts[i].fn == (unsigned)t.fn && pts[i].call == t.call && pts[i].child == t.child &&
                pts[i].run == t.run &&
                (pts[i].image[0] == '\0' || strcmp(pts[i].image, t.img) == 0)) {
                pts[i].no_eintr &= enum_no_eintr(t.fn, line); /* every call of the point */
                if (!met[i])
                    pts[i].own &= t.known | OWN_PERM;
                met[i] = 1;
            }
    }
    if (f)
        fclose(f);
    for (unsigned i = 0; i < n; i++)
        if (!met[i]) {
            pts[i].own &= OWN_PERM;
            pts[i].no_eintr = 0;
        }
}

/* Can a call whose point has OWN (the OWN_ mask) not fail with errno E? A peer may remove a
   path or change its mode (PEER: --errnos peer). */
static int cannot_meet(int own_mask, int e, int peer)
{
    if ((own_mask & (OWN_PERM | OWN_KEY)) && (e == EACCES || e == EPERM))
        return 1;
    if ((own_mask & OWN_KEY) && e == EINVAL)
        return 1;
    if ((own_mask & OWN_OPENED) && (e == ENOSPC || e == ENOMEM || e == ENFILE))
        return 1;
    return (own_mask & OWN_PATH) && !peer && (e == ENOENT || e == EACCES);
}

/* The faults tried at point PT: the errnos of the mode (without those the point's OWN mask says
   it cannot meet, and without EINTR where every clean run shows it impossible), then the
   crashes. */
static unsigned faults_of(const struct options *o, unsigned fn, unsigned long cls, int own_obj,
                          int no_eintr, const char **out)
{
    int errs[MAX_FAULTS];
    const int *doc = NULL;
    unsigned n = 0, k = 0;
    if (o->errnos == ERRNOS_DOCUMENTED) {
        n = shmfault_function_errnos(fn, &doc);
        for (unsigned i = 0; i < n && i < MAX_FAULTS; i++)
            errs[i] = doc[i];
    } else {
        n = shmfault_errnos_realistic(fn, cls, o->errnos == ERRNOS_PEER, errs, MAX_FAULTS);
        if (n > MAX_FAULTS)
            n = MAX_FAULTS;
        unsigned kept = 0;
        for (unsigned i = 0; i < n; i++)
            if (!cannot_meet(own_obj, errs[i], o->errnos == ERRNOS_PEER))
                errs[kept++] = errs[i];
        n = enum_drop_eintr(errs, kept, no_eintr); /* the clean run shows it impossible */
    }
    if (o->errnos == ERRNOS_FIRST && n > 1)
        n = 1;
    for (unsigned i = 0; i < n && k < MAX_FAULTS - 2; i++)
        if (shmfault_errno_name(errs[i]) != NULL)
            out[k++] = shmfault_errno_name(errs[i]);
    if (o->crash) {
        out[k++] = "SIGKILL";
        out[k++] = "SIGKILL,after";
    }
    return k;
}

static void tsv_text(FILE *out, const char *s)
{
    for (; *s; s++)
        fputc(*s == '\t' || *s == '\n' ? ' ' : *s, out);
}

static void tsv_row(FILE *out, unsigned cell, const char *fn, const char *call, const char *fault,
                    const char *outcome, int status, const char *why, const char *process)
{
    fprintf(out, "%u\t%s\t%s\t%s\t%s\t%d\t", cell, fn, call, fault, outcome, status);
    tsv_text(out, why);
    fprintf(out, "\t%s\n", process[0] ? process : "-");
}

static void progress(unsigned cell, unsigned total, const char *rule, unsigned bad)
{
    if (isatty(2))
        fprintf(stderr, "\r\033[Kenumerate: cell %u/%u  %s  (not ok so far: %u)", cell, total,
                rule, bad);
}

/* One cell of the matrix and, once judged, its row. */
struct cell {
    struct point pt;
    const char *fault;
    const char *outcome; /* NULL until judged */
    int status;
    char *why;
};

static enum kind kind_of(const char *fault)
{
    return strncmp(fault, "SIGKILL", 7) == 0 ? KIND_CRASH : KIND_ERRNO;
}

static struct cell *plan_cells(const struct options *o, const struct point *pts, unsigned npts,
                               unsigned *total)
{
    const char *faults[MAX_FAULTS];
    unsigned n = 0;
    for (unsigned i = 0; i < npts; i++)
        n += faults_of(o, pts[i].fn, pts[i].cls, pts[i].own, pts[i].no_eintr, faults);
    struct cell *cells = calloc(n ? n : 1, sizeof(*cells));
    if (cells == NULL)
        enum_die("out of memory (%u cells)", n);
    *total = 0;
    for (unsigned i = 0; i < npts; i++) {
        unsigned nf = faults_of(o, pts[i].fn, pts[i].cls, pts[i].own, pts[i].no_eintr, faults);
        for (unsigned k = 0; k < nf; k++)
            cells[(*total)++] = (struct cell){pts[i], faults[k], NULL, 0, NULL};
    }
    return cells;
}

/* The fault of a cell with its selectors: image= when the tree runs more than one image,
   run=N when it runs one image several times one after another (runs.c), proc=first|children
   when more than one process calls, so call N of the receiver is not call N of the sender. */
static void cell_fault(const struct cell *c, char *buf, size_t size)
{
    char run[32] = "";
    if (c->pt.run)
        snprintf(run, sizeof(run), ",run=%lu", c->pt.run);
    snprintf(buf, size, "%s%s%s%s%s", c->fault, c->pt.image[0] ? ",image=" : "", c->pt.image,
             run, !c->pt.roles ? "" : c->pt.forked ? ",proc=children" : ",proc=first");
}

static void cell_rule(const struct cell *c, char *buf, size_t size)
{
    char fault[128];
    cell_fault(c, fault, sizeof(fault));
    snprintf(buf, size, "%s@%lu=%s", shmfault_function_name(c->pt.fn), c->pt.call, fault);
}

static void cell_dir(const struct options *o, unsigned i, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%u", o->runs, i + 1);
}

static struct run *base_runs[MAX_BASE];
static unsigned nbase;

static struct verdict_ctx ctx_of(const struct options *o, enum kind kind, int fn,
                                 unsigned long cls)
{
    return (struct verdict_ctx){o->timeout_s, (const struct run *const *)base_runs, nbase,
                                kind, fn, cls};
}

/* Judges the cell SV ran; its directory stays only when it is not ok. */
static int finish_cell(const struct options *o, unsigned slot, struct cell *c)
{
    static struct run r;
    char why[1024];
    runner->collect(slot, &r);
    struct verdict_ctx x = ctx_of(o, kind_of(c->fault), (int)c->pt.fn, c->pt.cls);
    c->outcome = enum_judge(&x, &r, why, sizeof(why));
    if (!r.replay) /* a replay's sanitizer reports are the harness's to judge */
        c->outcome = memcheck_judge(r.dir, c->outcome, why, sizeof(why));
    c->status = r.status;
    c->why = strdup(why);
    if (c->why == NULL)
        enum_die("out of memory");
    if (strcmp(c->outcome, "ok") != 0)
        return 1;
    remove_tree(r.dir);
    return 0;
}

/* Rows are written in cell order as soon as every earlier cell is judged. */
static void flush_rows(FILE *tsv, const struct cell *cells, unsigned total, unsigned *written)
{
    char call[24], fault[128];
    for (; *written < total && cells[*written].outcome != NULL; (*written)++) {
        const struct cell *c = &cells[*written];
        snprintf(call, sizeof(call), "%lu", c->pt.call);
        cell_fault(c, fault, sizeof(fault));
        tsv_row(tsv, *written + 1, shmfault_function_name(c->pt.fn), call, fault, c->outcome,
                c->status, c->why, c->pt.process);
    }
    fflush(tsv);
}

/* Keeps every slot of the runner busy with one cell until the matrix is done. */
static unsigned run_cells(const struct options *o, struct cell *cells, unsigned total, FILE *tsv,
                          unsigned bad)
{
    unsigned next = 0, done = 0, written = 0, nslots = runner->slots();
    unsigned slot_cell[MAX_JOBS];
    int busy[MAX_JOBS] = {0};
    char dir[1100], rule[256];
    while (done < total) {
        for (unsigned s = 0; s < nslots && next < total; s++) {
            if (busy[s])
                continue;
            slot_cell[s] = next;
            cell_dir(o, next, dir, sizeof(dir));
            cell_rule(&cells[next], rule, sizeof(rule));
            runner->send(s, dir, rule);
            busy[s] = 1;
            next++;
        }
        struct pollfd p[MAX_JOBS];
        for (unsigned s = 0; s < nslots; s++)
            p[s] = (struct pollfd){busy[s] ? runner->fd(s) : -1, POLLIN, 0};
        if (poll(p, nslots, (int)(o->timeout_s * 2000u) + 30000) <= 0) /* time box + grace */
            enum_die("no cell runner answered within its cell's time box");
        for (unsigned s = 0; s < nslots; s++) {
            if (!(p[s].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            struct cell *c = &cells[slot_cell[s]];
            bad += (unsigned)finish_cell(o, s, c);
            busy[s] = 0;
            done++;
            cell_rule(c, rule, sizeof(rule));
            progress(done, total, rule, bad);
        }
        flush_rows(tsv, cells, total, &written);
    }
    return bad;
}

/* The clean run, --baseline times: returns how many failed; the first failure's why in WHY. */
static unsigned run_baseline(const struct options *o, FILE *tsv, char *why, size_t size)
{
    char dir[1100], w[1024];
    unsigned failed = 0;
    for (unsigned i = 0; i < o->baseline; i++) {
        base_runs[i] = calloc(1, sizeof(struct run));
        if (base_runs[i] == NULL)
            enum_die("out of memory");
        snprintf(dir, sizeof(dir), i == 0 ? "%s/clean" : "%s/clean%u", o->runs, i + 1);
        run_cell(base_runs[i], dir, "");
        nbase = 0; /* a clean run is judged on its own */
        struct verdict_ctx x = ctx_of(o, KIND_NONE, -1, 0);
        const char *outcome = enum_judge(&x, base_runs[i], w, sizeof(w));
        int fails = enum_clean_failed(base_runs[i], outcome);
        if (i == 0 && !o->replay) /* its heap issues are the program's own: said once, here */
            outcome = memcheck_judge_clean(base_runs[i]->dir, outcome, w, sizeof(w));
        if (i == 0 || fails)
            tsv_row(tsv, 0, "-", "-", i == 0 ? "none (clean run)" : "none (clean run again)",
                    outcome, base_runs[i]->status, w, "");
        if (fails && failed++ == 0)
            snprintf(why, size, "clean run %u of %u: %s: %s", i + 1, o->baseline, outcome, w);
    }
    nbase = o->baseline;
    return failed;
}

static int same_left(const struct run *a, const struct run *b)
{
    if (a->nleft != b->nleft)
        return 0;
    for (unsigned i = 0; i < a->nleft; i++)
        if (strcmp(a->left[i], b->left[i]) != 0)
            return 0;
    return 1;
}

static int run_matrix(const struct options *o, FILE *tsv)
{
    static struct point pts[MAX_POINTS];
    char why[1200] = "";
    unsigned failed = run_baseline(o, tsv, why, sizeof(why));
    if (failed == o->baseline || (failed > 0 && base_runs[0]->status != 0)) {
        fflush(tsv);
        if (o->replay)
            enum_die("the input fails without any fault (%s); the matrix would be judged against "
                     "a failure: it is a finding by itself (shmfuzz repro), enumerate an input "
                     "the target passes (its output is in %s/clean/)", why, o->runs);
        enum_die("the program fails without any fault (%s); the matrix would be judged against a "
            "failure: fix the command first (an absolute path? the directory it needs? "
            "its stderr is in %s/clean/stderr)", why, o->runs);
    }
    fflush(tsv); /* the clean rows are on disk before any cell: an interrupt keeps them */
    if (failed > 0)
        fprintf(stderr, "enumerate: warning: the clean run is not stable: %u of %u runs failed "
                "(%s); cells that fail the same way are judged ok\n", failed, o->baseline, why);
    for (unsigned i = 1; i < nbase; i++)
        if (!same_left(base_runs[0], base_runs[i]))
            fprintf(stderr, "enumerate: warning: the clean runs leave different objects (run 1: "
                    "%u, run %u: %u); what any of them leaves is not judged a leak\n",
                    base_runs[0]->nleft, i + 1, base_runs[i]->nleft);
    enum_runs_scan((const struct run *const *)base_runs, nbase);
    unsigned npts = list_points(base_runs[0], pts, MAX_POINTS), total = 0;
    for (unsigned i = 1; i < nbase; i++)
        agree_clean_run(base_runs[i], pts, npts); /* only what every clean run shows */
    if (o->replay) { /* the harness's fault plan numbers calls per worker, up to 8 */
        unsigned kept = 0;
        for (unsigned i = 0; i < npts; i++)
            if (pts[i].call <= 8) {
                pts[i].process[0] = '\0'; /* one process image: the replay's workers */
                pts[kept++] = pts[i];
            }
        npts = kept;
    }
    if (o->max_points && npts > o->max_points)
        npts = o->max_points;
    struct cell *cells = plan_cells(o, pts, npts, &total);
    struct verdict_ctx x = ctx_of(o, KIND_NONE, -1, 0);
    x.nbase = 0;
    const char *base = enum_judge(&x, base_runs[0], why, sizeof(why));
    fprintf(stderr, "enumerate: %u fault point(s), %u cell(s), %u job(s); clean run: %s\n", npts,
            total, runner->slots(), base);
    unsigned bad = run_cells(o, cells, total, tsv, strcmp(base, "ok") != 0);
    if (isatty(2) && total > 0)
        fputs("\r\033[K", stderr);
    for (unsigned i = 0; i < total; i++)
        free(cells[i].why);
    free(cells);
    return bad ? 1 : 0;
}

/* --rule: the clean run and one cell, both kept. */
static int run_one(const struct options *o, FILE *tsv)
{
    static struct run clean, cell;
    char dir[1100], why[1024];
    struct shmfault_error err;
    memset(&err, 0, sizeof(err));
    if (shmfault_rules_check(o->rule, &err) != 0)
        enum_die("bad --rule '%s' at position %d: %s", o->rule, err.pos, err.msg);
    char name[64];
    size_t len = strcspn(o->rule, "(@=");
    snprintf(name, sizeof(name), "%.*s", (int)(len < 63 ? len : 63), o->rule);
    int fn = o->rule[0] ? shmfault_function_lookup(name) : -1;
    enum kind kind = o->rule[0] == '\0'           ? KIND_NONE
                     : strstr(o->rule, "SIGKILL") ? KIND_CRASH
                                                  : KIND_ERRNO;
    snprintf(dir, sizeof(dir), "%s/clean", o->runs);
    run_cell(&clean, dir, "");
    snprintf(dir, sizeof(dir), "%s/cell", o->runs);
    run_cell(&cell, dir, o->rule);
    base_runs[0] = &clean;
    nbase = 1;
    /* the class of the faulted call: from the injected line of the cell's trace */
    unsigned long cls = 0;
    char path[1200], line[2048];
    snprintf(path, sizeof(path), "%s/trace.jsonl", cell.dir);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f))
        if (strstr(line, "\"injected\":\"") != NULL) {
            cls = enum_class_of(fn, line);
            break;
        }
    if (f)
        fclose(f);
    struct verdict_ctx x = ctx_of(o, kind, fn, cls);
    const char *outcome;
    if (o->replay) {
        outcome = enum_judge(&x, &cell, why, sizeof(why));
    } else {
        memcheck_judge_clean(clean.dir, "ok", why, sizeof(why)); /* its issues: the baseline */
        outcome = enum_judge(&x, &cell, why, sizeof(why));
        outcome = memcheck_judge(cell.dir, outcome, why, sizeof(why));
    }
    tsv_row(tsv, 1, fn >= 0 ? name : "-", "-", o->rule[0] ? o->rule : "none", outcome,
            cell.status, why, "");
    return strcmp(outcome, "ok") != 0;
}

/* --faults FUNCTION [--class N|--line L] [--errnos MODE] [--crash]: the faults a point gets,
   one a line (the matrix's own per-point decision, faults_of, asked from outside). */
static int list_faults(int argc, char **argv)
{
    struct options o = {0};
    unsigned long cls = 0;
    const char *faults[MAX_FAULTS], *line = NULL;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--crash") == 0)
            o.crash = 1;
        else if (strcmp(argv[i], "--errnos") == 0 && i + 1 < argc)
            if (parse_errnos(argv[++i], &o.errnos) != 0)
                enum_die("--errnos is realistic, peer, documented (or all) or first, not '%s'",
                    argv[i]);
            else
                continue;
        else if (strcmp(argv[i], "--class") == 0 && i + 1 < argc)
            cls = parse_num("--class", argv[++i], ~0UL);
        else if (strcmp(argv[i], "--line") == 0 && i + 1 < argc)
            line = argv[++i];
        else
            return usage();
    }
    int fn = shmfault_function_lookup(argv[2]);
    if (fn < 0)
        enum_die("'%s' is not an intercepted function", argv[2]);
    if (line != NULL)
        cls = enum_class_of(fn, line);
    unsigned n = faults_of(&o, (unsigned)fn, cls, 0, line ? enum_no_eintr(fn, line) : 0, faults);
    for (unsigned i = 0; i < n; i++)
        puts(faults[i]);
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    char why[300];
    if (argc >= 3 && strcmp(argv[1], "--faults") == 0)
        return list_faults(argc, argv);
    if (parse_options(argc, argv, &o) != 0)
        return usage();
    if (o.replay == NULL && o.prog[0][0] != '/')
        enum_die("PROGRAM must be an absolute path (%s)", o.prog[0]);
    if (o.replay == NULL && access(o.lib, R_OK) != 0)
        enum_die("%s: %s", o.lib, strerror(errno));
    if (o.replay != NULL && (access(o.replay, X_OK) != 0 || access(o.input, R_OK) != 0))
        enum_die("%s or %s: %s", o.replay, o.input, strerror(errno));
    if (o.suppressions == NULL)
        o.suppressions = getenv("SHMFAULT_SUPPRESSIONS");
    if (o.suppressions && o.suppressions[0] &&
        enum_suppressions_load(o.suppressions, why, sizeof(why)) != 0)
        enum_die("%s", why);
    if (mkdir(o.runs, 0755) != 0 && errno != EEXIST)
        enum_die("cannot create %s: %s", o.runs, strerror(errno));
    char path[1100];
    snprintf(path, sizeof(path), "%s/cells.tsv", o.runs);
    FILE *tsv = fopen(path, "we");
    if (tsv == NULL)
        enum_die("cannot write %s: %s", path, strerror(errno));
    fputs("cell\tfunction\tcall\tfault\toutcome\tstatus\twhy\tprocess\n", tsv);
    if (o.replay != NULL) {
        enum_replay_start(o.replay, o.input, o.runs, o.timeout_s, o.jobs);
        runner = &enum_replay_runner;
    } else {
        fs_opts = &o;
        start_servers(&o);
        runner = &forkserver_runner;
    }
    int rc = o.rule ? run_one(&o, tsv) : run_matrix(&o, tsv);
    stop_servers();
    if (fclose(tsv) != 0)
        enum_die("cannot write %s", path);
    return rc;
}
