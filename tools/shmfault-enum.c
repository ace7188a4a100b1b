/*
 * shmfault-enum.c - the fault matrix of a black-box program, run through libshmfault.so's fork
 * server (`shmfuzz enumerate -- PROGRAM` calls it; docs/cli.md defines the outcomes).
 *
 * The program is exec'd once, as PID 1 of new PID, IPC and mount namespaces, and stops in
 * libshmfault's constructor; every cell is then a fork of it with a fresh IPC namespace and
 * /dev/shm (shmfault_forkserver.h). A clean cell lists the fault points (function, per-process
 * call number) from its trace; each point is failed with each documented errno (and with
 * --crash killed before and after the real call); each cell is judged from its exit status,
 * its trace, its stderr and the objects it left that the clean run does not leave.
 *
 *   shmfault-enum --lib SO --runs DIR [--timeout S] [--errnos all|first] [--crash]
 *                 [--max-points N] [--jobs N] [--rule RULE]
 *                 [--valgrind [--valgrind-supp FILE]... [--valgrind-reachable]] -- PROGRAM...
 *
 * --valgrind starts each fork server under memcheck, so every cell is a fork of an instrumented
 * process (one Valgrind start per server, not per cell); memcheck.c judges the heap leaks and
 * memory errors (and, always, sanitizer reports) of each cell against the clean run's.
 *
 * --jobs N starts N fork servers, each in its own namespaces, and keeps each busy with one
 * cell at a time; cells are independent, so the matrix is the same for any N.
 *
 * Writes DIR/cells.tsv (cell, function, call, fault, outcome, status, why); each run's files
 * stay in DIR/clean and DIR/CELL when the cell is not ok (with --rule: DIR/cell, always).
 *   shmfault-enum --faults FUNCTION [--errnos all|first] [--crash]
 *                 the faults each point of FUNCTION gets, one a line
 * Exit status: 0 every cell ok, 1 some cell not ok, 2 usage or set-up error.
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
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memcheck.h"
#include "shmfault.h"
#include "shmfault_forkserver.h"

#define MAX_POINTS 4096
#define MAX_FAULTS 64
#define MAX_LEFT 64
#define MAX_JOBS 64

extern char **environ;

struct options {
    const char *lib, *runs, *rule;
    unsigned timeout_s, max_points, jobs;
    int first_errno_only, crash;
    char **prog;
};

struct point {
    unsigned fn;
    unsigned long call;
};

/* What one run produced, read back from its directory. */
struct run {
    char dir[1024];
    int status;      /* exit status, 128+signal, 124 timed out */
    int timed_out;
    int fired;       /* the trace shows an injected call */
    int retried;     /* the process that got the fault called the function again */
    int said_why;    /* something on stderr */
    char first_err[96];
    unsigned nleft;
    char left[MAX_LEFT][160];
};

enum kind { KIND_NONE, KIND_ERRNO, KIND_CRASH };

struct server {
    pid_t pid;
    int sock;
    int busy;           /* a cell is running */
    unsigned cell;      /* which (index into the matrix) */
    char dir[1024];
};
static struct server servers[MAX_JOBS];
static unsigned nservers;

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
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
    fputs("usage: shmfault-enum --lib SO --runs DIR [--timeout S] [--errnos all|first] [--crash]\n"
          "                     [--max-points N] [--jobs N (1..64)] [--rule RULE]\n"
          "                     [--valgrind [--valgrind-supp FILE]... [--valgrind-reachable]]\n"
          "                     -- PROGRAM [ARGS...]\n"
          "       shmfault-enum --faults FUNCTION [--errnos all|first] [--crash]\n",
          stderr);
    return 2;
}

static unsigned parse_uint(const char *opt, const char *v)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno != 0 || n > 1000000 || v[0] == '-')
        die("%s wants a number, not '%s'", opt, v);
    return (unsigned)n;
}

static int parse_options(int argc, char **argv, struct options *o)
{
    *o = (struct options){.timeout_s = 5, .jobs = 1};
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
        else if (strcmp(a, "--runs") == 0)
            o->runs = v;
        else if (strcmp(a, "--rule") == 0)
            o->rule = v;
        else if (strcmp(a, "--timeout") == 0)
            o->timeout_s = parse_uint(a, v);
        else if (strcmp(a, "--max-points") == 0)
            o->max_points = parse_uint(a, v);
        else if (strcmp(a, "--jobs") == 0)
            o->jobs = parse_uint(a, v);
        else if (strcmp(a, "--errnos") == 0 && (strcmp(v, "all") == 0 || strcmp(v, "first") == 0))
            o->first_errno_only = strcmp(v, "first") == 0;
        else
            return -1;
        i++;
    }
    if (i + 1 >= argc || o->lib == NULL || o->runs == NULL || o->timeout_s == 0 || o->jobs == 0 ||
        o->jobs > MAX_JOBS)
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
        die("out of memory");
    for (size_t i = 0; i < n; i++) {
        int keep = 1;
        for (size_t d = 0; d < sizeof(drop) / sizeof(drop[0]); d++)
            keep &= strncmp(environ[i], drop[d], strlen(drop[d])) != 0;
        if (keep)
            env[k++] = environ[i];
    }
    if (asprintf(&env[k++], "LD_PRELOAD=%s", lib) < 0 ||
        asprintf(&env[k++], "SHMFAULT_FORKSERVER=3") < 0)
        die("out of memory");
    return env;
}

struct start {
    int sock;
    char **prog, **env;
};

/* PID 1 of the new namespaces: private mounts, its own /proc and /dev/shm, then the program. */
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

static void start_server(const struct options *o, struct server *sv)
{
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
        die("socketpair: %s", strerror(errno));
    char logdir[1100];
    snprintf(logdir, sizeof(logdir), "%s/.memcheck-%u", o->runs, (unsigned)(sv - servers));
    char **cmd = memcheck_command(o->prog, logdir); /* the program, or memcheck in front */
    if (cmd == NULL)
        die("cannot start the program under Valgrind");
    struct start s = {pair[1], cmd, server_environment(o->lib)};
    static char stack[256 * 1024]; /* the clone child execs at once: one stack serves all */
    sv->pid = clone(server_main, stack + sizeof(stack),
                    CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNS | SIGCHLD, &s);
    if (sv->pid < 0)
        die("cannot create PID, IPC and mount namespaces (%s): run as root", strerror(errno));
    close(pair[1]);
    sv->sock = pair[0];
    nservers++;
    struct shmfault_fs_reply hello;
    if (receive(sv->sock, &hello, 10000) != 0 || hello.status != SHMFAULT_FS_HELLO)
        die("%s did not start libshmfault's fork server (%s is not loaded into it: a static "
            "or set-id program?)", o->prog[0], o->lib);
}

static void start_servers(const struct options *o)
{
    for (unsigned i = 0; i < o->jobs; i++)
        start_server(o, &servers[i]);
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
    FILE *f = fopen(path, "r");
    while (f && n < max && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        snprintf(buf[n++], sizeof(buf[0]), "%.159s", line);
    }
    if (f)
        fclose(f);
    return n;
}

/* A field of one trace line: "pid":N or "fn":"NAME"; NULL when absent. */
static const char *field(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    return p ? p + strlen(key) : NULL;
}

static int line_fn(const char *line)
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

/* Reads the trace: whether a fault was injected and whether its process called FN again. */
static void scan_trace(struct run *r, int fn)
{
    char path[1200], line[2048];
    long injected_pid = -1;
    snprintf(path, sizeof(path), "%s/trace.jsonl", r->dir);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof(line), f)) {
        const char *pid = field(line, "\"pid\":");
        long p = pid ? strtol(pid, NULL, 10) : -1;
        int injected = field(line, "\"injected\":\"") != NULL;
        r->fired |= injected;
        if (fn < 0 || line_fn(line) != fn)
            continue;
        if (injected)
            injected_pid = p;
        else if (p == injected_pid)
            r->retried = 1;
    }
    if (f)
        fclose(f);
}

/* Starts a cell on SV: a fresh DIR with cwd/, and the request. */
static void send_cell(const struct options *o, struct server *sv, const char *dir, const char *rule)
{
    struct shmfault_fs_request rq;
    memset(&rq, 0, sizeof(rq));
    char cwd[1100];
    snprintf(cwd, sizeof(cwd), "%s/cwd", dir);
    remove_tree(dir);
    if (mkdir(dir, 0755) != 0 || mkdir(cwd, 0755) != 0)
        die("cannot create %s: %s", cwd, strerror(errno));
    if (strlen(dir) >= sizeof(rq.dir) || strlen(rule) >= sizeof(rq.rules))
        die("run directory or rule too long");
    rq.timeout_ms = o->timeout_s * 1000u;
    strcpy(rq.dir, dir);
    strcpy(rq.rules, rule);
    if (send(sv->sock, &rq, sizeof(rq), MSG_NOSIGNAL) != (ssize_t)sizeof(rq))
        die("the fork server is gone (before cell %s)", dir);
    strcpy(sv->dir, rq.dir); /* fits: checked against the request's field above */
    sv->busy = 1;
}

/* Waits for SV's cell and reads what it produced into R (FN: the function it failed, or -1). */
static void collect_cell(const struct options *o, struct server *sv, struct run *r, int fn)
{
    struct shmfault_fs_reply rep;
    memset(r, 0, sizeof(*r));
    snprintf(r->dir, sizeof(r->dir), "%s", sv->dir);
    if (receive(sv->sock, &rep, (int)(o->timeout_s * 1000u) + 30000) != 0)
        die("the fork server is gone (during cell %s)", sv->dir);
    sv->busy = 0;
    if (rep.error != 0)
        die("the fork server could not set up a cell: %s", strerror(rep.error));
    r->timed_out = rep.timed_out;
    r->status = rep.timed_out ? 124
                : WIFSIGNALED(rep.status) ? 128 + WTERMSIG(rep.status)
                                          : WEXITSTATUS(rep.status);
    char err[1][160], path[1200];
    struct stat st;
    snprintf(path, sizeof(path), "%s/stderr", r->dir);
    r->said_why = stat(path, &st) == 0 && st.st_size > 0;
    if (read_lines(r->dir, "stderr", err, 1) == 1)
        snprintf(r->first_err, sizeof(r->first_err), "%.80s", err[0]);
    r->nleft = read_lines(r->dir, "left", r->left, MAX_LEFT);
    snprintf(path, sizeof(path), "%s/.memcheck-%u", o->runs, (unsigned)(sv - servers));
    memcheck_collect(path, r->dir);
    scan_trace(r, fn);
}

static void run_cell(const struct options *o, struct run *r, const char *dir, const char *rule,
                     int fn)
{
    send_cell(o, &servers[0], dir, rule);
    collect_cell(o, &servers[0], r, fn);
}

/* ---- judging (docs/cli.md "enumerate: the matrix") ---------------------------------------- */

/* Objects RUN left that BASE did not (multiset difference), the first three, ';'-joined. */
static void new_objects(const struct run *r, const struct run *base, char *out, size_t size)
{
    int used[MAX_LEFT] = {0};
    unsigned shown = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < r->nleft && shown < 3; i++) {
        int matched = 0;
        for (unsigned j = 0; base && j < base->nleft && !matched; j++)
            if (!used[j] && strcmp(r->left[i], base->left[j]) == 0)
                used[j] = matched = 1;
        if (matched)
            continue;
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s%s", shown ? ";" : "", r->left[i]);
        shown++;
    }
}

static const char *judge(const struct options *o, const struct run *r, const struct run *base,
                         enum kind kind, int fn, char *why, size_t size)
{
    char news[512];
    const char *name = fn >= 0 ? shmfault_function_name((unsigned)fn) : "";
    new_objects(r, kind == KIND_NONE ? NULL : base, news, sizeof(news));
    if (r->timed_out) {
        snprintf(why, size, "still running after %u s", o->timeout_s);
        return "hang";
    }
    if (r->status > 128) {
        int sig = r->status - 128;
        if (kind == KIND_CRASH && sig == SIGKILL && r->fired) {
            snprintf(why, size, "killed as planned%s%s",
                     news[0] ? "; left behind (a killed process cannot clean up): " : "", news);
            return "ok";
        }
        snprintf(why, size, "killed by signal %d (%s)", sig,
                 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
        return "crash";
    }
    if (kind != KIND_NONE && !r->fired) {
        snprintf(why, size, "not reached: nothing injected (exit %d)", r->status);
        return "ok";
    }
    if (r->status == 0) {
        if (news[0]) {
            snprintf(why, size, "exit 0, left behind: %s", news);
            return "leak";
        }
        if (kind == KIND_ERRNO && !r->retried) {
            snprintf(why, size, "exit 0 although %s failed and was not retried", name);
            return "swallowed";
        }
        if (kind == KIND_NONE)
            snprintf(why, size, "exit 0");
        else
            snprintf(why, size, "recovered: retried %s, exit 0", name);
        return "ok";
    }
    if (kind == KIND_NONE) {
        snprintf(why, size, "exit %d without any fault", r->status);
        return "error-exit";
    }
    if (!r->said_why) {
        snprintf(why, size, "exit %d without an error message", r->status);
        return "error-exit";
    }
    if (news[0] && fn >= 0 && shmfault_function_removes((unsigned)fn)) {
        snprintf(why, size, "failed cleanly (exit %d); the failed removal left: %s", r->status, news);
        return "ok";
    }
    if (news[0]) {
        snprintf(why, size, "exit %d, left behind: %s", r->status, news);
        return "leak";
    }
    snprintf(why, size, "failed cleanly: exit %d, \"%s\"", r->status, r->first_err);
    return "ok";
}

/* ---- the matrix -------------------------------------------------------------------------- */

/* Fault points of the clean run: (function, armed call number) in order of first appearance. */
static unsigned list_points(const struct run *clean, struct point *pts, unsigned max)
{
    char path[1200], line[2048];
    unsigned n = 0;
    snprintf(path, sizeof(path), "%s/trace.jsonl", clean->dir);
    FILE *f = fopen(path, "r");
    while (f && n < max && fgets(line, sizeof(line), f)) {
        int fn = line_fn(line);
        const char *c = field(line, "\"call\":");
        unsigned long call = c ? strtoul(c, NULL, 10) : 0;
        int seen = fn < 0 || call == 0;
        for (unsigned i = 0; i < n && !seen; i++)
            seen = pts[i].fn == (unsigned)fn && pts[i].call == call;
        if (!seen)
            pts[n++] = (struct point){(unsigned)fn, call};
    }
    if (f)
        fclose(f);
    return n;
}

/* The faults tried at a point of FN: its documented errnos (or the first), then the crashes. */
static unsigned faults_of(const struct options *o, unsigned fn, const char **out)
{
    const int *errs = NULL;
    unsigned n = shmfault_function_errnos(fn, &errs), k = 0;
    if (o->first_errno_only && n > 1)
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
                    const char *outcome, int status, const char *why)
{
    fprintf(out, "%u\t%s\t%s\t%s\t%s\t%d\t", cell, fn, call, fault, outcome, status);
    tsv_text(out, why);
    fputc('\n', out);
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
        n += faults_of(o, pts[i].fn, faults);
    struct cell *cells = calloc(n ? n : 1, sizeof(*cells));
    if (cells == NULL)
        die("out of memory (%u cells)", n);
    *total = 0;
    for (unsigned i = 0; i < npts; i++) {
        unsigned nf = faults_of(o, pts[i].fn, faults);
        for (unsigned k = 0; k < nf; k++)
            cells[(*total)++] = (struct cell){pts[i], faults[k], NULL, 0, NULL};
    }
    return cells;
}

static void cell_rule(const struct cell *c, char *buf, size_t size)
{
    snprintf(buf, size, "%s@%lu=%s", shmfault_function_name(c->pt.fn), c->pt.call, c->fault);
}

static void cell_dir(const struct options *o, unsigned i, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%u", o->runs, i + 1);
}

/* Judges the cell SV ran; its directory stays only when it is not ok. */
static int finish_cell(const struct options *o, struct server *sv, struct cell *c,
                       const struct run *clean)
{
    static struct run r;
    char why[1024];
    collect_cell(o, sv, &r, (int)c->pt.fn);
    c->outcome = judge(o, &r, clean, kind_of(c->fault), (int)c->pt.fn, why, sizeof(why));
    c->outcome = memcheck_judge(r.dir, c->outcome, why, sizeof(why));
    c->status = r.status;
    c->why = strdup(why);
    if (c->why == NULL)
        die("out of memory");
    if (strcmp(c->outcome, "ok") != 0)
        return 1;
    remove_tree(r.dir);
    return 0;
}

/* Rows are written in cell order as soon as every earlier cell is judged. */
static void flush_rows(FILE *tsv, const struct cell *cells, unsigned total, unsigned *written)
{
    char call[24];
    for (; *written < total && cells[*written].outcome != NULL; (*written)++) {
        const struct cell *c = &cells[*written];
        snprintf(call, sizeof(call), "%lu", c->pt.call);
        tsv_row(tsv, *written + 1, shmfault_function_name(c->pt.fn), call, c->fault, c->outcome,
                c->status, c->why);
    }
    fflush(tsv);
}

/* Keeps every server busy with one cell until the matrix is done. */
static unsigned run_cells(const struct options *o, struct cell *cells, unsigned total,
                          const struct run *clean, FILE *tsv, unsigned bad)
{
    unsigned next = 0, done = 0, written = 0;
    char dir[1100], rule[256];
    while (done < total) {
        for (unsigned s = 0; s < nservers && next < total; s++) {
            if (servers[s].busy)
                continue;
            servers[s].cell = next;
            cell_dir(o, next, dir, sizeof(dir));
            cell_rule(&cells[next], rule, sizeof(rule));
            send_cell(o, &servers[s], dir, rule);
            next++;
        }
        struct pollfd p[MAX_JOBS];
        for (unsigned s = 0; s < nservers; s++)
            p[s] = (struct pollfd){servers[s].busy ? servers[s].sock : -1, POLLIN, 0};
        if (poll(p, nservers, (int)(o->timeout_s * 1000u) + 30000) <= 0)
            die("no fork server answered within its cell's time box");
        for (unsigned s = 0; s < nservers; s++) {
            if (!(p[s].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            struct cell *c = &cells[servers[s].cell];
            bad += (unsigned)finish_cell(o, &servers[s], c, clean);
            done++;
            cell_rule(c, rule, sizeof(rule));
            progress(done, total, rule, bad);
        }
        flush_rows(tsv, cells, total, &written);
    }
    return bad;
}

static int run_matrix(const struct options *o, FILE *tsv)
{
    static struct run clean;
    static struct point pts[MAX_POINTS];
    char dir[1100], why[1024];
    snprintf(dir, sizeof(dir), "%s/clean", o->runs);
    run_cell(o, &clean, dir, "", -1);
    const char *base = judge(o, &clean, NULL, KIND_NONE, -1, why, sizeof(why));
    base = memcheck_judge_clean(clean.dir, base, why, sizeof(why));
    tsv_row(tsv, 0, "-", "-", "none (clean run)", base, clean.status, why);
    unsigned npts = list_points(&clean, pts, MAX_POINTS), total = 0;
    if (o->max_points && npts > o->max_points)
        npts = o->max_points;
    struct cell *cells = plan_cells(o, pts, npts, &total);
    fprintf(stderr, "enumerate: %u fault point(s), %u cell(s), %u job(s); clean run: %s\n", npts,
            total, nservers, base);
    unsigned bad = run_cells(o, cells, total, &clean, tsv, strcmp(base, "ok") != 0);
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
        die("bad --rule '%s' at position %d: %s", o->rule, err.pos, err.msg);
    char name[64];
    size_t len = strcspn(o->rule, "(@=");
    snprintf(name, sizeof(name), "%.*s", (int)(len < 63 ? len : 63), o->rule);
    int fn = o->rule[0] ? shmfault_function_lookup(name) : -1;
    enum kind kind = o->rule[0] == '\0'           ? KIND_NONE
                     : strstr(o->rule, "SIGKILL") ? KIND_CRASH
                                                  : KIND_ERRNO;
    snprintf(dir, sizeof(dir), "%s/clean", o->runs);
    run_cell(o, &clean, dir, "", -1);
    snprintf(dir, sizeof(dir), "%s/cell", o->runs);
    run_cell(o, &cell, dir, o->rule, fn);
    memcheck_judge_clean(clean.dir, "ok", why, sizeof(why)); /* its issues: the baseline */
    const char *outcome = judge(o, &cell, &clean, kind, fn, why, sizeof(why));
    outcome = memcheck_judge(cell.dir, outcome, why, sizeof(why));
    tsv_row(tsv, 1, fn >= 0 ? name : "-", "-", o->rule[0] ? o->rule : "none", outcome,
            cell.status, why);
    return strcmp(outcome, "ok") != 0;
}

/* --faults FUNCTION [--errnos all|first] [--crash]: the faults a point of FUNCTION gets, one a
   line (the harness-input mode of `shmfuzz enumerate` builds its cells from this list). */
static int list_faults(int argc, char **argv)
{
    struct options o = {0};
    const char *faults[MAX_FAULTS];
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--crash") == 0)
            o.crash = 1;
        else if (strcmp(argv[i], "--errnos") == 0 && i + 1 < argc &&
                 (strcmp(argv[i + 1], "all") == 0 || strcmp(argv[i + 1], "first") == 0))
            o.first_errno_only = strcmp(argv[++i], "first") == 0;
        else
            return usage();
    }
    int fn = shmfault_function_lookup(argv[2]);
    if (fn < 0)
        die("'%s' is not an intercepted function", argv[2]);
    unsigned n = faults_of(&o, (unsigned)fn, faults);
    for (unsigned i = 0; i < n; i++)
        puts(faults[i]);
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    if (argc >= 3 && strcmp(argv[1], "--faults") == 0)
        return list_faults(argc, argv);
    if (parse_options(argc, argv, &o) != 0)
        return usage();
    if (o.prog[0][0] != '/')
        die("PROGRAM must be an absolute path (%s)", o.prog[0]);
    if (access(o.lib, R_OK) != 0)
        die("%s: %s", o.lib, strerror(errno));
    if (mkdir(o.runs, 0755) != 0 && errno != EEXIST)
        die("cannot create %s: %s", o.runs, strerror(errno));
    char path[1100];
    snprintf(path, sizeof(path), "%s/cells.tsv", o.runs);
    FILE *tsv = fopen(path, "we");
    if (tsv == NULL)
        die("cannot write %s: %s", path, strerror(errno));
    fputs("cell\tfunction\tcall\tfault\toutcome\tstatus\twhy\n", tsv);
    start_servers(&o);
    int rc = o.rule ? run_one(&o, tsv) : run_matrix(&o, tsv);
    stop_servers();
    if (fclose(tsv) != 0)
        die("cannot write %s", path);
    return rc;
}
