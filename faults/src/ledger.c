/*
 * ledger.c - every IPC object created in the process tree (SysV shm and semaphore sets, POSIX
 * shm and semaphore names), with creator pid and call site, in the shared area; removals
 * mark entries. Lock-free: a slot is claimed with one atomic add and published by its state.
 * At report time each live entry is checked against the kernel's own view (/proc/sysvipc/shm and sem,
 * /dev/shm): an object the kernel no longer has, or a segment already marked for removal
 * (SHM_DEST), is not a leak. Suppressions (SHMFAULT_SUPPRESSIONS) are applied before counting.
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

enum { FREE = 0, LIVE = 1, REMOVED = 2 };

/* "/ring" and "ring" name the same object: keep one spelling. */
static void set_name(char *dst, size_t size, const char *name)
{
    struct sf_buf b = {dst, size, 0};
    dst[0] = '\0';
    if (name[0] != '/')
        sf_putc(&b, '/');
    sf_put(&b, name);
}

static int same_object(const struct sf_ledger_entry *e, enum shmfault_object_kind kind, long id,
                       const char *name)
{
    if (e->obj.kind != kind)
        return 0;
    if (kind == SHMFAULT_OBJ_SYSV_SHM || kind == SHMFAULT_OBJ_SYSV_SEM)
        return e->obj.id == id;
    return strcmp(e->obj.name, name) == 0;
}

static struct sf_ledger_entry *find_live(enum shmfault_object_kind kind, long id, const char *name)
{
    unsigned n = __atomic_load_n(&sf_shared->nledger, __ATOMIC_ACQUIRE);
    if (n > SF_LEDGER_MAX)
        n = SF_LEDGER_MAX;
    for (unsigned i = n; i-- > 0;) {
        struct sf_ledger_entry *e = &sf_shared->ledger[i];
        if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) == LIVE && same_object(e, kind, id, name))
            return e;
    }
    return NULL;
}

void sf_ledger_create(enum shmfault_object_kind kind, long id, long key, const char *name,
                      unsigned long size, uintptr_t site)
{
    char norm[SHMFAULT_NAME_MAX] = "";
    if (sf_shared == NULL || !sf_observe)
        return;
    if (name != NULL && name[0] != '\0')
        set_name(norm, sizeof(norm), name);
    if (find_live(kind, id, norm) != NULL)
        return;
    unsigned i = __atomic_fetch_add(&sf_shared->nledger, 1u, __ATOMIC_ACQ_REL);
    if (i >= SF_LEDGER_MAX) {
        __atomic_add_fetch(&sf_shared->ledger_dropped, 1UL, __ATOMIC_RELAXED);
        return;
    }
    struct sf_ledger_entry *e = &sf_shared->ledger[i];
    e->obj.kind = kind;
    e->obj.id = id;
    e->obj.key = key;
    memcpy(e->obj.name, norm, sizeof(e->obj.name));
    e->obj.creator = sf_pid;
    e->obj.site = site;
    e->size = size;
    __atomic_store_n(&e->state, LIVE, __ATOMIC_RELEASE);
}

void sf_ledger_remove(enum shmfault_object_kind kind, long id, const char *name)
{
    char norm[SHMFAULT_NAME_MAX] = "";
    if (sf_shared == NULL)
        return;
    if (name != NULL)
        set_name(norm, sizeof(norm), name);
    struct sf_ledger_entry *e = find_live(kind, id, norm);
    int live = LIVE;
    if (e != NULL)
        __atomic_compare_exchange_n(&e->state, &live, REMOVED, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED);
}

/* Only the entries claimed since the last clear can be in use (a slot is claimed by the add
   on nledger before it is written), so a clear costs what the run created, not the table. */
void sf_ledger_clear(void)
{
    if (sf_shared == NULL)
        return;
    unsigned n = __atomic_load_n(&sf_shared->nledger, __ATOMIC_ACQUIRE);
    if (n > SF_LEDGER_MAX)
        n = SF_LEDGER_MAX;
    for (unsigned i = 0; i < n; i++)
        __atomic_store_n(&sf_shared->ledger[i].state, FREE, __ATOMIC_RELAXED);
    __atomic_store_n(&sf_shared->ledger_dropped, 0UL, __ATOMIC_RELAXED);
    __atomic_store_n(&sf_shared->nledger, 0u, __ATOMIC_RELEASE);
}

/* ---- the kernel's view ------------------------------------------------------------------- */

int sf_posix_exists(enum shmfault_object_kind kind, const char *name)
{
    char path[sizeof("/dev/shm/sem.") + SHMFAULT_NAME_MAX];
    struct sf_buf b = {path, sizeof(path), 0};
    struct stat st;
    while (*name == '/')
        name++;
    sf_put(&b, "/dev/shm/");
    if (kind == SHMFAULT_OBJ_POSIX_SEM)
        sf_put(&b, "sem.");
    sf_put(&b, name);
    int saved = errno;
    if (b.len >= sizeof(path))
        return 0; /* longer than any name the kernel takes */
    path[b.len] = '\0';
    int rc = stat(path, &st);
    errno = saved;
    return rc == 0;
}

/* Fields of a /proc/sysvipc line, as numbers (perms is printed in octal). The kernel prints
 * the key as a signed int: key 0xdeadbeef reads "-559038737", and that line counts too. */
static int fields(const char *line, unsigned long *f, int nf, int octal_field)
{
    int k = 0;
    const char *p = line;
    while (k < nf) {
        while (*p == ' ' || *p == '\t')
            p++;
        int neg = *p == '-';
        if (neg)
            p++;
        if (*p < '0' || *p > '9')
            return k;
        unsigned long v = 0;
        unsigned base = k == octal_field ? 8u : 10u;
        while (*p >= '0' && *p <= '9')
            v = v * base + (unsigned long)(*p++ - '0');
        f[k++] = neg ? (unsigned long)-(long)v : v;
    }
    return k;
}

/* Look ID up in /proc/sysvipc/{shm,sem}: 1 present (fills *size), 0 absent, -1 unreadable. */
static int sysv_present(enum shmfault_object_kind kind, long id, unsigned long *size)
{
    const char *path = kind == SHMFAULT_OBJ_SYSV_SHM ? "/proc/sysvipc/shm" : "/proc/sysvipc/sem";
    char buf[4096];
    size_t have = 0;
    int found = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof(buf) - 1 - have);
        if (r <= 0)
            break;
        have += (size_t)r;
        buf[have] = '\0';
        char *line = buf, *nl;
        while ((nl = strchr(line, '\n')) != NULL) {
            unsigned long f[4];
            *nl = '\0';
            /* shm: key shmid perms size ...   sem: key semid perms nsems ... */
            if (fields(line, f, 4, 2) == 4 && (long)f[1] == id) {
                int dest = kind == SHMFAULT_OBJ_SYSV_SHM && (f[2] & SHM_DEST);
                found = dest ? 0 : 1;
                *size = f[3];
            }
            line = nl + 1;
        }
        have = (size_t)(buf + have - line);
        memmove(buf, line, have);
        if (have == sizeof(buf) - 1)
            have = 0; /* a line longer than the buffer: not one of ours */
    }
    close(fd);
    return found;
}

static int still_exists(const struct sf_ledger_entry *e, unsigned long *size)
{
    *size = e->size;
    if (e->obj.kind == SHMFAULT_OBJ_SYSV_SHM || e->obj.kind == SHMFAULT_OBJ_SYSV_SEM)
        return sysv_present(e->obj.kind, e->obj.id, size) != 0; /* unreadable: trust the ledger */
    return sf_posix_exists(e->obj.kind, e->obj.name);
}

/* ---- suppressions ------------------------------------------------------------------------ */

#define MAX_SUPP 64
static struct {
    enum shmfault_object_kind kind;
    int by_key;
    long key;
    char pattern[SHMFAULT_NAME_MAX];
} supp[MAX_SUPP];
static unsigned nsupp;

static const char *const kind_names[4] = {"sysv-shm", "sysv-sem", "posix-shm", "posix-sem"};

static int parse_supp_line(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line == '\0' || *line == '#')
        return 0;
    if (nsupp >= MAX_SUPP)
        return -1;
    for (int k = 0; k < 4; k++) {
        size_t kl = strlen(kind_names[k]);
        if (strncmp(line, kind_names[k], kl) != 0 || (line[kl] != ' ' && line[kl] != '\t'))
            continue;
        const char *v = line + kl;
        while (*v == ' ' || *v == '\t')
            v++;
        supp[nsupp].kind = (enum shmfault_object_kind)k;
        if (k <= 1 && strncmp(v, "key=", 4) == 0) {
            char *end;
            supp[nsupp].by_key = 1;
            supp[nsupp].key = (long)(int)strtoul(v + 4, &end, 0);
            if (end == v + 4)
                return -1;
            nsupp++;
            return 0;
        }
        if (k >= 2 && strncmp(v, "name=", 5) == 0 && v[5] != '\0') {
            size_t n = strcspn(v + 5, " \t\r");
            if (n >= sizeof(supp[0].pattern))
                return -1;
            memcpy(supp[nsupp].pattern, v + 5, n);
            supp[nsupp].pattern[n] = '\0';
            nsupp++;
            return 0;
        }
        return -1;
    }
    return -1;
}

#define SUPP_FILE_MAX 65536

/* 0 loaded, -1 unreadable, -2 larger than 64 KiB or not text, N > 0: line N is malformed.
 * Read to the end (a FIFO gives it in pieces): nothing past a limit is silently ignored. */
int sf_suppressions_load(const char *path)
{
    static char buf[SUPP_FILE_MAX + 2];
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    while (n < SUPP_FILE_MAX + 1) {
        ssize_t r = read(fd, buf + n, SUPP_FILE_MAX + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > SUPP_FILE_MAX || memchr(buf, '\0', n) != NULL)
        return -2;
    buf[n] = '\0';
    nsupp = 0;
    int lineno = 0;
    for (char *line = buf, *nl; line != NULL && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        if (parse_supp_line(line) != 0)
            return lineno;
    }
    return 0;
}

static int suppressed(const struct shmfault_object *o)
{
    for (unsigned i = 0; i < nsupp; i++) {
        if (supp[i].kind != o->kind)
            continue;
        if (supp[i].by_key ? (int)supp[i].key == (int)o->key
                           : fnmatch(supp[i].pattern, o->name, 0) == 0)
            return 1;
    }
    return 0;
}

/* ---- queries ------------------------------------------------------------------------------ */

/* Calls FN for each leaked object (live, still in the kernel, not suppressed); returns count. */
static size_t each_leak(void (*fn)(const struct sf_ledger_entry *, unsigned long, void *), void *arg)
{
    size_t count = 0;
    if (sf_shared == NULL)
        return 0;
    unsigned n = __atomic_load_n(&sf_shared->nledger, __ATOMIC_ACQUIRE);
    if (n > SF_LEDGER_MAX)
        n = SF_LEDGER_MAX;
    for (unsigned i = 0; i < n; i++) {
        const struct sf_ledger_entry *e = &sf_shared->ledger[i];
        unsigned long size;
        if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != LIVE || suppressed(&e->obj) ||
            !still_exists(e, &size))
            continue;
        if (fn)
            fn(e, size, arg);
        count++;
    }
    return count;
}

struct live_out {
    struct shmfault_object *out;
    size_t max, n;
};

static void collect(const struct sf_ledger_entry *e, unsigned long size, void *arg)
{
    struct live_out *lo = arg;
    (void)size;
    if (lo->n < lo->max)
        lo->out[lo->n] = e->obj;
    lo->n++;
}

size_t shmfault_ledger_live(struct shmfault_object *out, size_t max)
{
    struct live_out lo = {out, out ? max : 0, 0};
    return each_leak(collect, &lo);
}

static void report_one(const struct sf_ledger_entry *e, unsigned long size, void *arg)
{
    char line[256 + SHMFAULT_NAME_MAX];
    struct sf_buf b = {line, sizeof(line) - 1, 0};
    const struct shmfault_object *o = &e->obj;
    sf_put(&b, "shmfault: leak ");
    sf_put(&b, kind_names[o->kind]);
    if (o->kind == SHMFAULT_OBJ_SYSV_SHM || o->kind == SHMFAULT_OBJ_SYSV_SEM) {
        sf_put(&b, " id=");
        sf_put_dec(&b, o->id);
        sf_put(&b, " key=");
        sf_put_hex(&b, (unsigned)(int)o->key, 8);
        sf_put(&b, o->kind == SHMFAULT_OBJ_SYSV_SHM ? " size=" : " nsems=");
        sf_put_udec(&b, size);
    } else {
        sf_put(&b, " name=");
        sf_put(&b, o->name);
    }
    sf_put(&b, " creator=");
    sf_put_dec(&b, o->creator);
    sf_put(&b, " site=");
    sf_put_hex(&b, o->site, 0);
    line[b.len++] = '\n';
    sf_write_all(*(int *)arg, line, b.len);
}

size_t shmfault_ledger_report(int fd)
{
    size_t n = each_leak(report_one, &fd);
    if (n > 0) {
        char line[96];
        struct sf_buf b = {line, sizeof(line) - 1, 0};
        sf_put(&b, "shmfault: ");
        sf_put_udec(&b, n);
        sf_put(&b, " object(s) leaked");
        if (sf_shared->ledger_dropped) {
            sf_put(&b, " (ledger full: ");
            sf_put_udec(&b, sf_shared->ledger_dropped);
            sf_put(&b, " creation(s) not recorded)");
        }
        line[b.len++] = '\n';
        sf_write_all(fd, line, b.len);
    }
    return n;
}
