/*
 * outfd.c - the descriptors libshmfault writes to (trace, ledger, its copy of stderr), owned the
 * way a runtime living inside someone else's process must own them: moved to the top of the
 * descriptor table (out of the range programs reuse), remembered by device and inode, and
 * checked with one fstat before each write. A descriptor the program closed or reused (a
 * closefrom(3) and then its own data file) is never written to: it is reopened by its path
 * (O_APPEND) or, when that cannot be done, dropped with one warning.
 *
 * Files are opened with O_NOFOLLOW (a planted symlink is refused, never followed) and O_APPEND
 * (nothing is ever truncated). Trace and ledger descriptors are inherited across exec at a
 * fixed slot number (top of the table - slot): an exec'd image that finds there the very file
 * its path names (same device and inode) adopts it, so a program that switched user before the
 * exec keeps writing where the run began. Everything here is async-signal-safe: no allocation,
 * no stdio, plain system calls.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* The top slot: below 1024 so a program's select() never meets it, below the soft limit. */
static int top_fd(void)
{
    struct rlimit rl;
    long top = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (long)rl.rlim_cur < top)
        top = (long)rl.rlim_cur;
    return (int)top - 1;
}

static void set_cloexec(int fd, int on)
{
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFD, on ? (fl | FD_CLOEXEC) : (fl & ~FD_CLOEXEC));
}

int sf_outfd_slot_number(int slot)
{
    int top = top_fd();
    return top + 1 < 64 ? -1 : top - slot;
}

/* FD moved high: onto its slot when that number is free (at load, before the program runs),
 * else the lowest free number of the top 64. Closes FD; returns the new one or -1. */
static int move_high(int fd, int slot, int cloexec, int use_slot)
{
    int top = top_fd(), nfd = -1;
    int want = top - slot;
    if (want < 3 || top < 64)
        return fd; /* a tiny table: keep what open gave */
    if (use_slot && fcntl(want, F_GETFD) < 0 && errno == EBADF)
        nfd = dup3(fd, want, O_CLOEXEC);
    if (nfd < 0)
        nfd = fcntl(fd, F_DUPFD_CLOEXEC, top - 63);
    if (nfd < 0)
        return fd;
    close(fd);
    if (!cloexec)
        set_cloexec(nfd, 0);
    return nfd;
}

static int same_file(int fd, dev_t dev, ino_t ino)
{
    struct stat st;
    return fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

/* An exec'd image: the slot holds the file PATH names, writable and appending? Adopt it. */
static int adopt(struct sf_outfd *o, int slot)
{
    struct stat want;
    int fd = top_fd() - slot;
    if (fd < 3 || lstat(o->path, &want) != 0 || !S_ISREG(want.st_mode))
        return -1;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || !(fl & O_APPEND) || (fl & O_ACCMODE) == O_RDONLY ||
        !same_file(fd, want.st_dev, want.st_ino))
        return -1;
    set_cloexec(fd, o->cloexec);
    o->dev = want.st_dev;
    o->ino = want.st_ino;
    return fd;
}

static int open_path(const struct sf_outfd *o)
{
    int saved = errno;
    int fd = open(
        o->path,
        O_WRONLY | (o->create ? O_CREAT : 0) | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0644);
    if (fd >= 0)
        errno = saved;
    return fd;
}

int sf_outfd_open(struct sf_outfd *o, const char *path, int slot, int cloexec)
{
    struct sf_buf b = {o->path, sizeof(o->path), 0};
    o->owned = 1;
    o->create = 1;
    struct stat st;
    if (strlen(path) >= sizeof(o->path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    sf_put(&b, path);
    o->slot = slot;
    o->cloexec = cloexec;
    o->warned = 0;
    int fd = cloexec ? -1 : adopt(o, slot);
    if (fd < 0) {
        fd = open_path(o);
        if (fd < 0)
            return -1;
        if (fstat(fd, &st) != 0) {
            close(fd);
            return -1;
        }
        o->dev = st.st_dev;
        o->ino = st.st_ino;
        fd = move_high(fd, slot, cloexec, 1);
    }
    __atomic_store_n(&o->fd, fd, __ATOMIC_RELEASE);
    return 0;
}

/* The path of FROM when it names a file or terminal that can be opened again (a daemon that
 * closes every descriptor still gets its report there); "" for a pipe or socket. */
static void reopenable_path(struct sf_outfd *o, int from, const struct stat *st)
{
    char link[32];
    struct sf_buf b = {link, sizeof(link) - 1, 0};
    struct stat again;
    o->path[0] = '\0';
    if (!S_ISREG(st->st_mode) && !S_ISCHR(st->st_mode))
        return;
    sf_put(&b, "/proc/self/fd/");
    sf_put_dec(&b, from);
    link[b.len] = '\0';
    ssize_t n = readlink(link, o->path, sizeof(o->path) - 1);
    o->path[n > 0 ? n : 0] = '\0';
    if (n <= 0 || o->path[0] != '/' || lstat(o->path, &again) != 0 || again.st_dev != st->st_dev ||
        again.st_ino != st->st_ino)
        o->path[0] = '\0'; /* deleted, renamed, or not a path: a copy only */
}

int sf_outfd_dup(struct sf_outfd *o, int from, int slot)
{
    struct stat st;
    o->path[0] = '\0';
    o->slot = slot;
    o->cloexec = 1;
    o->warned = 0;
    o->owned = 1;
    o->create = 0;
    if (fstat(from, &st) != 0)
        return -1;
    reopenable_path(o, from, &st);
    int fd = fcntl(from, F_DUPFD_CLOEXEC, 3);
    if (fd < 0)
        return -1;
    o->dev = st.st_dev;
    o->ino = st.st_ino;
    __atomic_store_n(&o->fd, move_high(fd, slot, 1, 1), __ATOMIC_RELEASE);
    return 0;
}

void sf_outfd_adopt_fd(struct sf_outfd *o, int fd)
{
    struct stat st;
    o->path[0] = '\0';
    o->warned = 0;
    o->owned = 0;
    if (fd >= 0 && fstat(fd, &st) == 0) {
        o->dev = st.st_dev;
        o->ino = st.st_ino;
    } else {
        fd = -1;
    }
    __atomic_store_n(&o->fd, fd, __ATOMIC_RELEASE);
}

/* The descriptor at FD is no longer ours (closed, or the program's file now): never touch it. */
static int retake(struct sf_outfd *o, int fd)
{
    struct stat st;
    int nfd = o->path[0] ? open_path(o) : -1;
    if (nfd >= 0 && fstat(nfd, &st) == 0) {
        nfd = move_high(nfd, o->slot, o->cloexec, 0);
        int expected = fd;
        o->dev = st.st_dev;
        o->ino = st.st_ino;
        if (__atomic_compare_exchange_n(&o->fd, &expected, nfd, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return nfd;
        close(nfd); /* another thread reopened first */
        return expected;
    }
    if (nfd >= 0)
        close(nfd);
    int expected = fd;
    if (__atomic_compare_exchange_n(&o->fd, &expected, -1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) &&
        !__atomic_exchange_n(&o->warned, 1, __ATOMIC_ACQ_REL))
        sf_outfd_warn(o->what, " was closed or reused by the program and cannot be reopened: "
                               "dropped");
    return -1;
}

int sf_outfd_get(struct sf_outfd *o)
{
    int fd = __atomic_load_n(&o->fd, __ATOMIC_ACQUIRE);
    if (fd < 0)
        return -1;
    int saved = errno;
    if (!same_file(fd, o->dev, o->ino))
        fd = retake(o, fd);
    errno = saved;
    return fd;
}

int sf_outfd_write(struct sf_outfd *o, const char *p, size_t n)
{
    int fd = sf_outfd_get(o);
    if (fd < 0)
        return -1;
    sf_write_all(fd, p, n);
    return 0;
}

void sf_outfd_close(struct sf_outfd *o)
{
    int fd = __atomic_exchange_n(&o->fd, -1, __ATOMIC_ACQ_REL);
    int saved = errno;
    if (fd >= 0 && o->owned && same_file(fd, o->dev, o->ino))
        close(fd);
    errno = saved;
}

/* ---- the layer's own stderr -------------------------------------------------------------- */

static struct sf_outfd own_stderr = {.fd = -1, .what = "stderr"};
static int kept_stderr; /* once kept, fd 2 is never assumed to be stderr again */

/* At load, and again in a fork server's cell (whose fd 2 is the cell's own file). */
void sf_outfd_keep_stderr(void)
{
    sf_outfd_close(&own_stderr);
    if (sf_outfd_dup(&own_stderr, 2, SF_SLOT_STDERR) == 0)
        kept_stderr = 1;
}

struct sf_outfd *sf_outfd_stderr(void)
{
    return &own_stderr;
}

void sf_outfd_say(const char *p, size_t n)
{
    int fd = kept_stderr ? sf_outfd_get(&own_stderr) : 2;
    if (fd >= 0)
        sf_write_all(fd, p, n);
}

void sf_outfd_warn(const char *what, const char *msg)
{
    char line[256];
    struct sf_buf b = {line, sizeof(line) - 1, 0};
    sf_put(&b, "shmfault: ");
    sf_put(&b, what);
    sf_put(&b, msg);
    line[b.len++] = '\n';
    sf_outfd_say(line, b.len);
}
