/*
 * forkserver.c - the enumerator's fork server (LD_PRELOAD build; protocol in
 * shmfault_forkserver.h). It runs in libshmfault's constructor, before the program's own
 * constructors and main, so each forked cell starts where an exec'd run would. The server
 * itself never arms a fault and never returns; only the cells' children go on into main.
 *
 * Isolation is per cell: the server moves to a new IPC namespace and mounts a new tmpfs on
 * /dev/shm before forking, so a cell sees no object of an earlier one. When the cell's main
 * process has ended, the rest of its tree gets a grace to end on its own; then the server lists
 * what is still running, kills every other process of its PID namespace (it must be PID 1
 * there: kill(-1) then ends exactly the cell), reaps them, and lists what the cell left from
 * inside the cell's namespaces.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "shmfault_forkserver.h"

#ifdef SHMFAULT_PRELOAD

struct saved_signals {
    sigset_t mask;
    struct sigaction chld;
};

static int fresh_namespaces(void)
{
    if (unshare(CLONE_NEWIPC) != 0)
        return errno ? errno : EPERM;
    (void)umount2("/dev/shm", MNT_DETACH); /* the previous cell's tmpfs, if any */
    if (mount("shmfault", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0)
        return errno ? errno : EPERM;
    return 0;
}

/* DIR followed by FILE, in BUF (paths are bounded by the request's fields). */
static const char *join(char *buf, size_t size, const char *dir, const char *file)
{
    struct sf_buf b = {buf, size - 1, 0};
    sf_put(&b, dir);
    sf_put(&b, file);
    buf[b.len] = '\0';
    return buf;
}

static void redirect(int fd, const char *path, int flags)
{
    int f = open(path, flags, 0644);
    if (f >= 0 && f != fd) {
        dup2(f, fd);
        close(f);
    }
}

/* The cell's child: the environment and descriptors an exec'd run of the cell would have. */
static void become_cell(int sock, const struct shmfault_fs_request *rq,
                        const struct saved_signals *saved)
{
    char path[1100];
    close(sock);
    sigaction(SIGCHLD, &saved->chld, NULL);
    sigprocmask(SIG_SETMASK, &saved->mask, NULL);
    if (chdir(join(path, sizeof(path), rq->dir, "/cwd")) != 0)
        _exit(125);
    redirect(0, "/dev/null", O_RDONLY);
    redirect(1, join(path, sizeof(path), rq->dir, "/stdout"),
             O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW);
    redirect(2, join(path, sizeof(path), rq->dir, "/stderr"),
             O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW);
    /* The cell's settings, and never the server's socket: a child of the program must not
     * take SHMFAULT_FORKSERVER for an instruction (environ.c says why not unsetenv). */
    static char rules[sizeof("SHMFAULT_RULES=") + sizeof(rq->rules)];
    static char trace[sizeof("SHMFAULT_TRACE=") + sizeof(rq->dir) + sizeof("/trace.jsonl")];
    static char ledger[sizeof("SHMFAULT_LEDGER=") + sizeof(rq->dir) + sizeof("/ledger")];
    sf_env_remove("SHMFAULT_FORKSERVER");
    join(rules, sizeof(rules), "SHMFAULT_RULES=", rq->rules);
    join(trace, sizeof(trace),
         "SHMFAULT_TRACE=", join(path, sizeof(path), rq->dir, "/trace.jsonl"));
    join(ledger, sizeof(ledger), "SHMFAULT_LEDGER=", join(path, sizeof(path), rq->dir, "/ledger"));
    if (sf_env_put(rules) != 0 || sf_env_put(trace) != 0 || sf_env_put(ledger) != 0)
        _exit(125);
    sf_tree_restart();
}

static long ms_between(const struct timespec *a, const struct timespec *b)
{
    return (b->tv_sec - a->tv_sec) * 1000L + (b->tv_nsec - a->tv_nsec) / 1000000L;
}

/* Sleeps until a SIGCHLD or at most CAP_MS (0: no cap) while LIMIT_MS since START have not
   passed; 0 when they have. SIGCHLD is blocked. */
static int wait_chld(const struct timespec *start, uint32_t limit_ms, long cap_ms)
{
    struct timespec now;
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    clock_gettime(CLOCK_MONOTONIC, &now);
    long left = (long)limit_ms - ms_between(start, &now);
    if (left <= 0)
        return 0;
    if (cap_ms > 0 && left > cap_ms)
        left = cap_ms;
    struct timespec ts = {left / 1000, (left % 1000) * 1000000L};
    (void)sigtimedwait(&chld, NULL, &ts);
    return 1;
}

/* 0 and *WSTATUS when CHILD ended within TIMEOUT_MS; 1 when it did not. SIGCHLD is blocked. */
static int wait_cell(pid_t child, uint32_t timeout_ms, int *wstatus)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int st;
        pid_t p;
        while ((p = waitpid(-1, &st, WNOHANG)) > 0)
            if (p == child) {
                *wstatus = st;
                return 0;
            }
        if (!wait_chld(&start, timeout_ms, 0))
            return 1;
    }
}

/* The whole of a small /proc file in BUF, NUL-terminated; its length (0 if unreadable). */
static size_t slurp(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t len = 0;
    ssize_t n = 1;
    while (fd >= 0 && len < size - 1 && n > 0)
        if ((n = read(fd, buf + len, size - 1 - len)) > 0)
            len += (size_t)n;
    if (fd >= 0)
        close(fd);
    buf[len] = '\0';
    return len;
}

/* The command name of process NAME (a /proc entry) into COMM, if it is still running (not a
 * zombie): 1, else 0. /proc/PID/stat is "PID (COMM) STATE ...", and COMM may hold ')'. */
static int running_comm(const char *name, char *comm, size_t size)
{
    char dir[48], path[64], stat[512];
    join(path, sizeof(path), join(dir, sizeof(dir), "/proc/", name), "/stat");
    if (slurp(path, stat, sizeof(stat)) == 0)
        return 0;
    char *open = strchr(stat, '('), *close = strrchr(stat, ')');
    if (open == NULL || close == NULL || close < open || close[1] != ' ')
        return 0;
    if (close[2] == 'Z' || close[2] == 'X')
        return 0; /* it has ended: its accounting record is written, its parent has not reaped it */
    size_t n = (size_t)(close - open - 1);
    n = n < size - 1 ? n : size - 1;
    memcpy(comm, open + 1, n);
    comm[n] = '\0';
    return 1;
}

/* The processes of the cell still running (every one but the server), "PID COMM" a line. */
static void list_running(struct sf_buf *out)
{
    DIR *d = opendir("/proc");
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        char comm[32];
        if (e->d_name[0] < '1' || e->d_name[0] > '9' || strcmp(e->d_name, "1") == 0 ||
            !running_comm(e->d_name, comm, sizeof(comm)))
            continue;
        sf_put(out, e->d_name);
        sf_putc(out, ' ');
        sf_put(out, comm);
        sf_putc(out, '\n');
    }
    if (d)
        closedir(d);
}

/* How many lines of TEXT (from LIST, a list_running listing, when PIDS) are COMM. */
static unsigned count_comm(const char *text, const char *comm, int pids)
{
    unsigned n = 0;
    size_t len = strlen(comm);
    for (const char *l = text; *l; l += strcspn(l, "\n"), l += *l == '\n') {
        const char *c = pids ? l + strcspn(l, " \n") + (l[strcspn(l, " \n")] == ' ') : l;
        n += strncmp(c, comm, len) == 0 && (c[len] == '\n' || c[len] == '\0');
    }
    return n;
}

/* Is every process still running one of SURVIVORS (as many of each name as it lists)? */
static int only_survivors(const char *survivors)
{
    static char text[1 << 14];
    struct sf_buf out = {text, sizeof(text) - 1, 0};
    list_running(&out);
    text[out.len] = '\0';
    for (const char *l = text; *l; l += strcspn(l, "\n"), l += *l == '\n') {
        char comm[32];
        const char *c = l + strcspn(l, " \n") + 1;
        size_t n = strcspn(c, "\n");
        n = n < sizeof(comm) - 1 ? n : sizeof(comm) - 1;
        memcpy(comm, c, n);
        comm[n] = '\0';
        if (count_comm(text, comm, 1) > count_comm(survivors, comm, 0))
            return 0;
    }
    return 1;
}

/* Once the main process has ended, the rest of the tree gets GRACE_MS to end on its own: a
 * child merely slower than its parent is not cut short, and what is still running after it (an
 * orphan blocked forever, a daemon) is so because it would not stop. Returns at once when
 * nothing is left (the server has no child: every process of the namespace descends from it)
 * or only SURVIVORS are. A process whose parent is not the server ends without telling it, so
 * the list is looked at again every 100 ms as well as at each SIGCHLD. */
static void wait_rest(uint32_t grace_ms, const char *survivors)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        pid_t p;
        while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
            ;
        if (p < 0 && errno == ECHILD)
            return;
        if (only_survivors(survivors))
            return;
        if (!wait_chld(&start, grace_ms, 100))
            return;
    }
}

/* DIR/alive: the processes still running when the cell ends, before they are killed. */
static void list_alive(const char *dir)
{
    static char text[1 << 14];
    char path[1100];
    struct sf_buf out = {text, sizeof(text), 0};
    list_running(&out);
    int fd = open(join(path, sizeof(path), dir, "/alive"),
                  O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) {
        sf_write_all(fd, text, out.len);
        close(fd);
    }
}

/* Every process of the cell ends (the server is PID 1: kill(-1) reaches all the others). */
static void end_cell(void)
{
    kill(-1, SIGKILL);
    for (;;)
        if (waitpid(-1, NULL, 0) < 0 && errno != EINTR)
            break;
}

/* One line per object of /proc/sysvipc/shm or sem ("key id perms size|nsems ..."). */
static void list_sysv(struct sf_buf *out, const char *path, const char *kind, const char *what)
{
    static char text[1 << 16];
    slurp(path, text, sizeof(text));
    char *line = strchr(text, '\n'); /* past the header */
    while (line != NULL && *++line != '\0') {
        char *p = line;
        long key = strtol(p, &p, 10);
        (void)strtol(p, &p, 10);                  /* id */
        (void)strtoul(p, &p, 8);                  /* perms */
        unsigned long size = strtoul(p, &p, 10);
        sf_put(out, kind);
        sf_put(out, " key=");
        sf_put_hex(out, (unsigned)key, 8);
        sf_putc(out, ' ');
        sf_put(out, what);
        sf_putc(out, '=');
        sf_put_udec(out, size);
        sf_putc(out, '\n');
        line = strchr(line, '\n');
    }
}

/* What the cell left, in the format `shmfuzz enumerate` compares: one object a line. */
static void list_left(const char *dir)
{
    static char text[1 << 16];
    char path[1100];
    struct sf_buf out = {text, sizeof(text), 0};
    list_sysv(&out, "/proc/sysvipc/shm", "sysv-shm", "size");
    list_sysv(&out, "/proc/sysvipc/sem", "sysv-sem", "nsems");
    DIR *d = opendir("/dev/shm"); /* the server's own time, off every interposed path */
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        sf_put(&out, "posix name=/");
        sf_put(&out, e->d_name);
        sf_putc(&out, '\n');
    }
    if (d)
        closedir(d);
    int fd = open(join(path, sizeof(path), dir, "/left"),
                  O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) {
        sf_write_all(fd, text, out.len);
        close(fd);
    }
}

static void reply(int sock, int32_t status, int32_t timed_out, int32_t error)
{
    struct shmfault_fs_reply r = {status, timed_out, error};
    if (send(sock, &r, sizeof(r), MSG_NOSIGNAL) != (ssize_t)sizeof(r))
        _exit(0); /* the enumerator went away: nothing is left to serve */
}

/* Runs one cell; returns 0 in the server, 1 in the cell's child (which goes on into main). */
static int run_cell(int sock, const struct shmfault_fs_request *rq,
                    const struct saved_signals *saved)
{
    int err = fresh_namespaces();
    if (err != 0) {
        reply(sock, 0, 0, err);
        return 0;
    }
    pid_t child = ((pid_t(*)(void))sf_real(SF_FN_fork))();
    if (child < 0) {
        reply(sock, 0, 0, errno);
        return 0;
    }
    if (child == 0) {
        become_cell(sock, rq, saved);
        return 1;
    }
    int wstatus = 0, timed_out = wait_cell(child, rq->timeout_ms, &wstatus);
    /* a main process ended by a signal is judged a crash or a planned kill whatever the rest
     * of the tree does: no grace for it */
    if (!timed_out && !WIFSIGNALED(wstatus))
        wait_rest(rq->grace_ms, rq->survivors);
    list_alive(rq->dir);
    end_cell(); /* then the objects: an orphan killed now cannot create or remove any more */
    list_left(rq->dir);
    reply(sock, wstatus, timed_out, 0);
    return 0;
}

/* 1 when this image is PROGRAM (SHMFAULT_FORKSERVER_EXE, an absolute resolved path). Under
 * Valgrind the readlink is answered with the client's path, so the launcher script and
 * valgrind.bin on the way (PID 1 too, and with LD_PRELOAD) are told apart from the program. */
static int is_program(const char *program)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return 0;
    self[n] = '\0';
    return strcmp(self, program) == 0;
}

int sf_forkserver_serve(const char *fdspec)
{
    char *end;
    /* A wrapper exec'd before the program (`shmfuzz enumerate --valgrind`: valgrind's shell
     * launcher, then valgrind.bin) is not the server: it passes both variables on untouched. */
    const char *program = getenv("SHMFAULT_FORKSERVER_EXE");
    if (program && *program && getpid() == 1 && !is_program(program))
        return 0;
    /* Only the image shmfault-enum exec'd as PID 1 of a fresh PID namespace is the server.
     * Anyone else who sees the variable inherited it: it is not theirs, they run as usual. */
    sf_env_remove("SHMFAULT_FORKSERVER");
    sf_env_remove("SHMFAULT_FORKSERVER_EXE");
    if (getpid() != 1) {
        sf_outfd_warn("SHMFAULT_FORKSERVER", " ignored: only PID 1 of its own PID namespace "
                                             "serves (shmfault-enum starts it so)");
        return 0;
    }
    long fd = strtol(fdspec, &end, 10);
    if (*end != '\0' || fd < 0 || fd > 1023 || fcntl((int)fd, F_GETFD) < 0)
        sf_die("SHMFAULT_FORKSERVER=", fdspec, " is not an open descriptor");
    struct saved_signals saved;
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &saved.mask);
    struct sigaction dfl = {0};
    dfl.sa_handler = SIG_DFL; /* SIG_IGN would reap the cells before the server sees them */
    sigaction(SIGCHLD, &dfl, &saved.chld);
    reply((int)fd, SHMFAULT_FS_HELLO, 0, 0);
    for (;;) {
        struct shmfault_fs_request rq;
        ssize_t n = recv((int)fd, &rq, sizeof(rq), 0);
        if (n != (ssize_t)sizeof(rq))
            _exit(n == 0 ? 0 : 2);
        rq.dir[sizeof(rq.dir) - 1] = '\0';
        rq.rules[sizeof(rq.rules) - 1] = '\0';
        rq.survivors[sizeof(rq.survivors) - 1] = '\0';
        if (run_cell((int)fd, &rq, &saved))
            return 1;
    }
}

#endif /* SHMFAULT_PRELOAD */
