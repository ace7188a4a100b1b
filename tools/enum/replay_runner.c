/*
 * replay_runner.c - the cell runner of harness inputs (`shmfuzz enumerate --target T FILE`).
 * A cell is one run of the target's replay driver on the input's text program with one more
 * fault line (`fault all RULE`, before the first step), so the harness's own fault plan makes
 * the failure and its own oracles judge the run; the verdict line it prints is the evidence
 * tools/enum/judge.c reads. Each run gets what the fork server gives a black-box cell: fresh
 * IPC, mount and PID namespaces (the replay is their PID 1: when it ends, every worker it left
 * ends with it), a private tmpfs on /dev/shm, a scratch directory and a time box.
 *
 * A slot is a supervisor process: it makes the namespaces, starts the replay in them, waits
 * for it or for the time box, and writes how it ended to a pipe the matrix polls, exactly as
 * it polls a fork server's socket.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "enum.h"

#define REPLAY_MAX_SLOTS 64

/* How the replay of a cell ended, from the supervisor. */
struct ending {
    int error;     /* the supervisor could not set the cell up (an errno), 0 if it ran */
    int timed_out;
    int wstatus;
};

static struct {
    const char *replay;
    char *program; /* the input's text program (--decode), the fault line goes in */
    unsigned timeout_s, nslots;
    struct slot {
        pid_t pid;
        int fd;
        char dir[1024];
    } slots[REPLAY_MAX_SLOTS];
} rr;

/* Runs ARGV with stdout into PATH, stderr to /dev/null; its exit status, or -1. */
static int run_to_file(char *const argv[], const char *path)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), null = open("/dev/null", O_RDWR);
        if (out < 0 || null < 0 || dup2(out, 1) < 0 || dup2(null, 2) < 0 || dup2(null, 0) < 0)
            _exit(125);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first SIZE-1 bytes of FILE in DIR into BUF (NUL-terminated; "" if none). */
static size_t read_head(const char *dir, const char *file, char *buf, size_t size)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t n = 0;
    while (fd >= 0 && n + 1 < size) {
        ssize_t k = read(fd, buf + n, size - 1 - n);
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    buf[n] = '\0';
    if (fd >= 0)
        close(fd);
    return n;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "re");
    char *text = NULL;
    size_t size = 0;
    if (f == NULL)
        return NULL;
    FILE *m = open_memstream(&text, &size);
    int c;
    while (m && (c = fgetc(f)) != EOF)
        fputc(c, m);
    fclose(f);
    if (m)
        fclose(m);
    return text;
}

void enum_replay_start(const char *replay, const char *input, const char *runs, unsigned timeout_s,
                       unsigned jobs)
{
    char path[1100];
    snprintf(path, sizeof(path), "%s/program.txt", runs);
    char *argv[] = {(char *)replay, "--decode", (char *)input, NULL};
    if (run_to_file(argv, path) != 0 || (rr.program = slurp(path)) == NULL)
        enum_die("%s cannot decode %s (is it an input of this target? try: %s --decode %s)",
                 replay, input, replay, input);
    rr.replay = replay;
    rr.timeout_s = timeout_s;
    rr.nslots = jobs < REPLAY_MAX_SLOTS ? jobs : REPLAY_MAX_SLOTS;
    for (unsigned i = 0; i < rr.nslots; i++)
        rr.slots[i].fd = -1;
}

static unsigned replay_slots(void)
{
    return rr.nslots;
}

/* DIR/input.txt: the program with "fault all RULE" before its first step ("p0 ...": fault
   lines come before any step), or as it is for the clean run. */
static void write_input(const char *dir, const char *rule)
{
    char path[1100];
    snprintf(path, sizeof(path), "%s/input.txt", dir);
    FILE *f = fopen(path, "we");
    if (f == NULL)
        enum_die("cannot write %s: %s", path, strerror(errno));
    int done = rule[0] == '\0';
    for (const char *l = rr.program; *l;) {
        size_t len = strcspn(l, "\n");
        if (!done && l[0] == 'p' && l[1] >= '0' && l[1] <= '9') {
            fprintf(f, "fault all %s\n", rule);
            done = 1;
        }
        fprintf(f, "%.*s\n", (int)len, l);
        l += len + (l[len] == '\n');
    }
    if (!done)
        fprintf(f, "fault all %s\n", rule);
    if (fclose(f) != 0)
        enum_die("cannot write %s", path);
}

/* PID 1 of the cell's namespaces: its own /proc and /dev/shm, the scratch directory, the
   replay with its stdio in DIR. */
static void replay_main(const char *dir)
{
    char cwd[1100], out[1100], err[1100], trace[1100], input[1100];
    snprintf(cwd, sizeof(cwd), "%s/cwd", dir);
    snprintf(out, sizeof(out), "%s/stdout", dir);
    snprintf(err, sizeof(err), "%s/stderr", dir);
    snprintf(trace, sizeof(trace), "%s/trace.jsonl", dir);
    snprintf(input, sizeof(input), "%s/input.txt", dir);
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0 ||
        mount("shmfuzz", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0 ||
        chdir(cwd) != 0)
        _exit(125);
    int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null = open("/dev/null", O_RDONLY);
    if (o < 0 || e < 0 || null < 0 || dup2(null, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
        _exit(125);
    char *argv[] = {(char *)rr.replay, "--quiet", "--trace", trace, input, NULL};
    execv(argv[0], argv);
    _exit(127);
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* The supervisor: new namespaces, the replay as their PID 1, its end or the time box. */
static void supervise(const char *dir, int fd)
{
    struct ending end = {0, 0, 0};
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL); /* waited for with sigtimedwait: no race, no sleep */
    pid_t pid = -1;
    if (unshare(CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWPID) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        end.error = errno;
    else if ((pid = fork()) < 0)
        end.error = errno;
    else if (pid == 0) {
        sigprocmask(SIG_UNBLOCK, &chld, NULL);
        replay_main(dir);
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (pid > 0) {
        if (waitpid(pid, &end.wstatus, WNOHANG) == pid)
            break;
        long left = (long)rr.timeout_s * 1000L - ms_since(&t0);
        if (left <= 0) {
            end.timed_out = 1;
            kill(pid, SIGKILL); /* PID 1: the whole namespace ends with it */
            waitpid(pid, &end.wstatus, 0);
            break;
        }
        struct timespec ts = {left / 1000, (left % 1000) * 1000000L};
        sigtimedwait(&chld, NULL, &ts);
    }
    _exit(write(fd, &end, sizeof(end)) == (ssize_t)sizeof(end) ? 0 : 1);
}

static void replay_send(unsigned slot, const char *dir, const char *rule)
{
    struct slot *s = &rr.slots[slot];
    int p[2];
    enum_fresh_dir(dir);
    write_input(dir, rule);
    if (pipe2(p, O_CLOEXEC) != 0)
        enum_die("pipe: %s", strerror(errno));
    fflush(NULL); /* the supervisor leaves with _exit, but nothing buffered may be doubled */
    s->pid = fork();
    if (s->pid < 0)
        enum_die("fork: %s", strerror(errno));
    if (s->pid == 0) {
        close(p[0]);
        supervise(dir, p[1]);
    }
    close(p[1]);
    s->fd = p[0];
    snprintf(s->dir, sizeof(s->dir), "%s", dir);
}

static int replay_fd(unsigned slot)
{
    return rr.slots[slot].fd;
}

/* The verdict line of the replay's stdout ("ok", "FINDING kind: why") into R->verdict. */
static void read_verdict(struct run *r)
{
    static char out[65536];
    read_head(r->dir, "stdout", out, sizeof(out));
    for (const char *l = out; *l;) {
        size_t len = strcspn(l, "\n");
        if (strncmp(l, "verdict: ", 9) == 0 && len >= 9) {
            snprintf(r->verdict, sizeof(r->verdict), "%.*s", (int)(len - 9), l + 9);
            return;
        }
        l += len + (l[len] == '\n');
    }
}

static void replay_collect(unsigned slot, struct run *r)
{
    struct slot *s = &rr.slots[slot];
    struct ending end;
    memset(r, 0, sizeof(*r));
    snprintf(r->dir, sizeof(r->dir), "%s", s->dir);
    ssize_t n = read(s->fd, &end, sizeof(end));
    close(s->fd);
    s->fd = -1;
    int st;
    while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof(end))
        enum_die("the supervisor of cell %s is gone", s->dir);
    if (end.error != 0)
        enum_die("cannot create IPC, mount and PID namespaces for a replay (%s): run as root",
                 strerror(end.error));
    r->replay = 1;
    r->main_pid = -1; /* no accounting: the harness watches its own workers */
    r->timed_out = end.timed_out;
    r->sig = !end.timed_out && WIFSIGNALED(end.wstatus) ? WTERMSIG(end.wstatus) : 0;
    r->code = !end.timed_out && WIFEXITED(end.wstatus) ? WEXITSTATUS(end.wstatus) : 0;
    r->status = end.timed_out ? 124 : r->sig ? 128 + r->sig : r->code;
    read_verdict(r);
    read_head(r->dir, "stderr", r->err_text, sizeof(r->err_text));
    r->said_why = r->err_text[0] != '\0';
}

const struct enum_runner enum_replay_runner = {replay_slots, replay_send, replay_fd,
                                               replay_collect};
