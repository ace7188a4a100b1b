/*
 * record.c - the record of what shmfuzz creates outside a private namespace. Without root the
 * executor shares the host's IPC namespace and /dev/shm, so what it creates there must be
 * known exactly: `shmfuzz clean` removes only recorded objects, and the raw op set and the
 * libshmipc adapters (through host.c) open and remove only objects this run recorded. A key
 * range or a name pattern would also match other people's.
 *
 * Each run appends to its own file in ${XDG_STATE_HOME:-$HOME/.local/state}/shmfuzz/objects/
 * (directories 0700, file 0600, O_NOFOLLOW), one line per object written with one write(2)
 * to an O_APPEND descriptor, so concurrent workers and a SIGKILL leave whole lines:
 *   shm id=ID key=0xKEY ctime=CTIME cuid=UID        (System V: what IPC_STAT says)
 *   sem id=ID key=0xKEY ctime=CTIME cuid=UID
 *   posix-shm name=/NAME dev=DEV ino=INO            (POSIX: the file under /dev/shm)
 *   posix-sem name=/NAME dev=DEV ino=INO
 * The run holds an exclusive flock on its file while it lives, which is how clean tells a
 * running campaign's file from a dead one's. After each input the executor settles the file:
 * when none of its objects is left (the normal case) the file is emptied, so a long campaign
 * does not grow it.
 * The same entries live in a shared table for the run's ownership checks (no allocation).
 */
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shmfault.h"

/* At most one entry per op and input (SFZ_MAX_OPS is 64): never full in practice. */
#define REC_MAX 256
#define REC_NAME 64

struct rec_entry {
    int ready; /* set last: a reader never sees half an entry */
    enum sfz_rec_kind kind;
    int id;
    key_t key;
    uid_t cuid;
    dev_t dev;
    ino_t ino;
    char name[REC_NAME];
};

struct rec_table {
    unsigned n;
    struct rec_entry e[REC_MAX];
};

static struct rec_table *table; /* shared with the workers; NULL in a private namespace */
static int rec_fd = -1, rec_dir = -1;
static pid_t rec_owner;
static char rec_file[64];

static int is_sysv(enum sfz_rec_kind kind)
{
    return kind == SFZ_REC_SHM || kind == SFZ_REC_SEM;
}

/* IPC_STAT of a System V object with faults paused: the harness's own call. */
static int sysv_stat(enum sfz_rec_kind kind, int id, key_t *key, uid_t *cuid, long long *ctime)
{
    int armed = shmfault_armed(), rc;
    if (armed)
        shmfault_disarm();
    if (kind == SFZ_REC_SHM) {
        struct shmid_ds ds;
        rc = shmctl(id, IPC_STAT, &ds);
        *key = ds.shm_perm.__key, *cuid = ds.shm_perm.cuid, *ctime = (long long)ds.shm_ctime;
    } else {
        struct semid_ds ds;
        rc = semctl(id, 0, IPC_STAT, &ds);
        *key = ds.sem_perm.__key, *cuid = ds.sem_perm.cuid, *ctime = (long long)ds.sem_ctime;
    }
    if (armed)
        shmfault_arm();
    return rc;
}

static int posix_stat(enum sfz_rec_kind kind, const char *name, struct stat *st)
{
    char path[REC_NAME + 16];
    if (name[0] != '/' || strchr(name + 1, '/') != NULL)
        return -1;
    snprintf(path, sizeof(path), "/dev/shm/%s%s", kind == SFZ_REC_POSIX_SEM ? "sem." : "",
             name + 1);
    return lstat(path, st) == 0 && S_ISREG(st->st_mode) ? 0 : -1;
}

/* mkdir -p with mode 0700 for what is missing; then the last directory must be ours. */
static int open_private_dir(char *path)
{
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            (void)mkdir(path, 0700);
            *p = '/';
        }
    (void)mkdir(path, 0700);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 022) != 0)) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}

static void record_exit(void)
{
    /* Only the process that opened the file: workers end with _exit anyway. An empty file
       (everything this run created is gone) is removed; one with lines stays for clean. */
    struct stat st;
    if (getpid() == rec_owner && rec_fd >= 0 && fstat(rec_fd, &st) == 0 && st.st_size == 0)
        (void)unlinkat(rec_dir, rec_file, 0);
}

static void open_file(void)
{
    char path[4096];
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    int n;
    if (state != NULL && state[0] == '/')
        n = snprintf(path, sizeof(path), "%s/shmfuzz/objects", state);
    else if (home != NULL && home[0] == '/')
        n = snprintf(path, sizeof(path), "%s/.local/state/shmfuzz/objects", home);
    else
        n = -1;
    if (n < 0 || (size_t)n >= sizeof(path) || (rec_dir = open_private_dir(path)) < 0) {
        fprintf(stderr, "shmfuzz: cannot keep the record of objects created outside a namespace "
                        "(%s: %s): `shmfuzz clean` will not know them\n",
                n < 0 ? "$XDG_STATE_HOME and $HOME unset" : path,
                n < 0 ? "no state directory" : strerror(errno));
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    rec_owner = getpid();
    snprintf(rec_file, sizeof(rec_file), "run.%d.%lld.%09ld", (int)rec_owner,
             (long long)now.tv_sec, now.tv_nsec);
    rec_fd = openat(rec_dir, rec_file, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW |
                                           O_CLOEXEC, 0600);
    if (rec_fd < 0 || flock(rec_fd, LOCK_EX | LOCK_NB) != 0) {
        fprintf(stderr, "shmfuzz: cannot create the record %s/%s: %s\n", path, rec_file,
                strerror(errno));
        if (rec_fd >= 0)
            close(rec_fd);
        rec_fd = -1;
        return;
    }
    atexit(record_exit);
}

void sfz_record_start(void)
{
    if (table != NULL)
        return;
    void *p = mmap(NULL, sizeof(*table), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "shmfuzz: cannot map the table of created objects\n");
        return;
    }
    table = p;
    open_file();
}

/* One line, one write(2): whole lines whatever happens to the writer. */
static void write_line(const struct rec_entry *e, long long ctime)
{
    char line[160];
    int n;
    if (rec_fd < 0)
        return;
    static const char *const kinds[] = {"shm", "sem", "posix-shm", "posix-sem"};
    if (is_sysv(e->kind))
        n = snprintf(line, sizeof(line), "%s id=%d key=0x%08x ctime=%lld cuid=%u\n", kinds[e->kind],
                     e->id, (unsigned)e->key, ctime, (unsigned)e->cuid);
    else
        n = snprintf(line, sizeof(line), "%s name=%s dev=%llu ino=%llu\n", kinds[e->kind],
                     e->name, (unsigned long long)e->dev, (unsigned long long)e->ino);
    if (n > 0 && (size_t)n < sizeof(line))
        (void)!write(rec_fd, line, (size_t)n);
}

static void add(const struct rec_entry *e, long long ctime)
{
    unsigned i = __atomic_fetch_add(&table->n, 1u, __ATOMIC_ACQ_REL);
    write_line(e, ctime); /* first: a kill between the two leaves the line */
    if (i >= REC_MAX)
        return;
    table->e[i] = *e;
    table->e[i].ready = 0;
    __atomic_store_n(&table->e[i].ready, 1, __ATOMIC_RELEASE);
}

void sfz_record_sysv(enum sfz_rec_kind kind, int id)
{
    struct rec_entry e = {.kind = kind, .id = id};
    long long ctime;
    if (table == NULL || !is_sysv(kind) || sysv_stat(kind, id, &e.key, &e.cuid, &ctime) != 0)
        return;
    add(&e, ctime);
}

void sfz_record_posix(enum sfz_rec_kind kind, const char *name)
{
    struct rec_entry e = {.kind = kind, .id = -1};
    struct stat st;
    if (table == NULL || is_sysv(kind) || strlen(name) >= REC_NAME || posix_stat(kind, name, &st))
        return;
    memcpy(e.name, name, strlen(name) + 1);
    e.dev = st.st_dev;
    e.ino = st.st_ino;
    e.cuid = st.st_uid;
    add(&e, 0);
}

/* Still the object recorded: the same id with the same key and creator (a removed id comes
   back only after its sequence number wraps), or the same inode under the name. */
static int alive(const struct rec_entry *e, long long *ctime)
{
    if (is_sysv(e->kind)) {
        key_t key;
        uid_t cuid;
        return sysv_stat(e->kind, e->id, &key, &cuid, ctime) == 0 && key == e->key &&
               cuid == e->cuid;
    }
    struct stat st;
    *ctime = 0;
    return posix_stat(e->kind, e->name, &st) == 0 && st.st_dev == e->dev && st.st_ino == e->ino &&
           st.st_uid == e->cuid;
}

static unsigned entries(void)
{
    unsigned n = table ? __atomic_load_n(&table->n, __ATOMIC_ACQUIRE) : 0;
    return n < REC_MAX ? n : REC_MAX;
}

static const struct rec_entry *entry(unsigned i)
{
    const struct rec_entry *e = &table->e[i];
    return __atomic_load_n(&e->ready, __ATOMIC_ACQUIRE) ? e : NULL;
}

int sfz_record_owns_sysv(enum sfz_rec_kind kind, key_t key, int *id)
{
    long long ctime;
    for (unsigned i = entries(); i-- > 0;) {
        const struct rec_entry *e = entry(i);
        if (e && e->kind == kind && e->key == key && alive(e, &ctime)) {
            *id = e->id;
            return 1;
        }
    }
    return 0;
}

int sfz_record_owns_id(enum sfz_rec_kind kind, int id)
{
    long long ctime;
    for (unsigned i = entries(); i-- > 0;) {
        const struct rec_entry *e = entry(i);
        if (e && e->kind == kind && e->id == id)
            return alive(e, &ctime);
    }
    return 0;
}

int sfz_record_owns_posix(enum sfz_rec_kind kind, const char *name)
{
    long long ctime;
    for (unsigned i = entries(); i-- > 0;) {
        const struct rec_entry *e = entry(i);
        if (e && e->kind == kind && strcmp(e->name, name) == 0)
            return alive(e, &ctime);
    }
    return 0;
}

void sfz_record_settle(void)
{
    unsigned n = entries(), kept = 0;
    long long ctime;
    if (n == 0)
        return; /* the common case: nothing was created outside a namespace */
    for (unsigned i = 0; i < n; i++) {
        const struct rec_entry *e = entry(i);
        if (e != NULL && alive(e, &ctime))
            table->e[kept++] = *e;
    }
    __atomic_store_n(&table->n, kept, __ATOMIC_RELEASE);
    /* Emptied only when nothing recorded is left: rewriting the survivors' lines would open a
       window in which a SIGKILL loses them. Survivors (rare) stay for clean to judge. */
    if (kept == 0 && rec_fd >= 0)
        (void)ftruncate(rec_fd, 0);
}

/* An object exists under KIND's ID, or at POSIX NAME (the file FD is open on, if FD >= 0), and
   it is not one this run recorded: someone else's. A System V id that is gone is not foreign
   (a call on it fails by itself, as in a namespace). Makes no call a fault plan counts. */
int sfz_record_foreign_id(enum sfz_rec_kind kind, int id)
{
    key_t key;
    uid_t cuid;
    long long ctime;
    if (!is_sysv(kind) || sfz_record_owns_id(kind, id))
        return 0;
    return sysv_stat(kind, id, &key, &cuid, &ctime) == 0;
}

int sfz_record_foreign_posix(enum sfz_rec_kind kind, const char *name, int fd)
{
    struct stat st;
    long long ctime;
    if (is_sysv(kind) || (fd >= 0 ? fstat(fd, &st) : posix_stat(kind, name, &st)) != 0)
        return 0;
    for (unsigned i = entries(); i-- > 0;) {
        const struct rec_entry *e = entry(i);
        if (e && e->kind == kind && strcmp(e->name, name) == 0 && e->dev == st.st_dev &&
            e->ino == st.st_ino && alive(e, &ctime))
            return 0;
    }
    return 1;
}

/* Whether an object of KIND sits at KEY that this run did not record. */
int sfz_record_foreign_key(enum sfz_rec_kind kind, key_t key)
{
    int armed = shmfault_armed(), id;
    if (armed)
        shmfault_disarm();
    /* no permission asked for (flags 0): this only looks the key up, it opens nothing */
    id = kind == SFZ_REC_SHM ? shmget(key, 0, 0) : semget(key, 0, 0);
    if (armed)
        shmfault_arm();
    return id != -1 && sfz_record_foreign_id(kind, id);
}
