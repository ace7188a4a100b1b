/*
 * namespace.c - isolation and the leak-ipc oracle. The executor moves into a private IPC
 * namespace and, as root, a private mount namespace with its own tmpfs on /dev/shm; then every
 * object there is the program's, leaks are counted exactly, and the sweep may remove them all.
 * Without those rights it says so once and falls back to libshmfault's ledger: only objects
 * this run created are judged and removed, never anyone else's; and what the raw op set creates
 * on the host is written to the record (record.c) that `shmfuzz clean` reads.
 * The sweep runs after every input, so the common case (nothing left) costs three system calls:
 * the IPC namespace's two counters (SHM_INFO, SEM_INFO) and an fstatfs of /dev/shm through a
 * descriptor opened when the tmpfs was mounted; /proc and /dev/shm are only read when something
 * is there. The three are made as system calls, not through libc: libshmfault's interposers
 * (disarmed here) and a sanitizer's interceptors (shmctl, semctl and statfs under ASan) only
 * added their own work to the kernel's same answer.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec_internal.h"
#include "record.h"
#include "shmfault.h"

static int sysv_private, posix_private;

/* The private /dev/shm, held open far above the descriptors the fd oracle looks at (and the
   program's own), so the sweep's look is an fstatfs instead of a path walk; its filesystem id,
   to know the descriptor is still that tmpfs (a program that closed or replaced it sends the
   sweep back to the path). -1: none. */
#define SHM_DIR_FD_MIN 640
static int shm_dir = -1;
static fsid_t shm_fsid;

static void hold_shm_dir(void)
{
    struct statfs fs;
    int fd = open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    int high = fcntl(fd, F_DUPFD_CLOEXEC, SHM_DIR_FD_MIN);
    close(fd);
    if (high >= 0 && fstatfs(high, &fs) == 0) {
        shm_dir = high;
        shm_fsid = fs.f_fsid;
    } else if (high >= 0) {
        close(high);
    }
}

void sfz_ns_enter(int *private_sysv, int *private_posix)
{
    sysv_private = unshare(CLONE_NEWIPC) == 0;
    posix_private = unshare(CLONE_NEWNS) == 0 &&
                    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == 0 && /* strings: Valgrind */
                    mount("none", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") == 0;
    if (!sysv_private || !posix_private)
        fprintf(stderr, "shmfuzz: no private %s namespace (needs root): leaks are judged from "
                        "libshmfault's ledger and only objects this run created are removed\n",
                !sysv_private ? "IPC" : "mount (/dev/shm)");
    if (!sysv_private || !posix_private)
        sfz_record_start(); /* what the raw op set creates on the host is recorded (record.c) */
    if (posix_private)
        hold_shm_dir();
    *private_sysv = sysv_private;
    *private_posix = posix_private;
}

static void note(unsigned *count, char *what, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void note(unsigned *count, char *what, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if ((*count)++ == 0)
        vsnprintf(what, size, fmt, ap);
    va_end(ap);
}

/* Objects created by processes the fault plan killed inside a call: removed, not counted. */
#define MAX_EXCUSED 32
static struct shmfault_object excused[MAX_EXCUSED];
static unsigned nexcused;

static void collect_excused(const pid_t *pids, unsigned npids)
{
    struct shmfault_object live[64];
    nexcused = 0;
    if (npids == 0)
        return;
    size_t n = shmfault_ledger_live(live, 64);
    for (size_t i = 0; i < n && i < 64; i++)
        for (unsigned k = 0; k < npids; k++)
            if (live[i].creator == pids[k] && nexcused < MAX_EXCUSED)
                excused[nexcused++] = live[i];
}

/* NAME is the /dev/shm file name ("ring", "sem.ring"); the ledger stores "/ring". */
static int is_excused(enum shmfault_object_kind kind, long id, const char *name)
{
    for (unsigned i = 0; i < nexcused; i++) {
        const struct shmfault_object *o = &excused[i];
        if (o->kind != kind)
            continue;
        if ((kind == SHMFAULT_OBJ_SYSV_SHM || kind == SHMFAULT_OBJ_SYSV_SEM) ? o->id == id
                                                                         : strcmp(o->name + 1, name) == 0)
            return 1;
    }
    return 0;
}

static unsigned sweep_sysv_shm(char *what, size_t size)
{
    struct shm_info info;
    unsigned count = 0;
    if (syscall(SYS_shmctl, 0, SHM_INFO, &info) < 0 || info.used_ids == 0)
        return 0;
    FILE *f = fopen("/proc/sysvipc/shm", "re");
    char line[512];
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        long key = 0;
        int id = 0;
        unsigned perms = 0;
        unsigned long segsz = 0;
        if (sscanf(line, "%ld %d %o %lu", &key, &id, &perms, &segsz) != 4)
            continue; /* the header */
        if (perms & SHM_DEST)
            continue; /* removed, still attached somewhere: not a leak */
        if (!is_excused(SHMFAULT_OBJ_SYSV_SHM, id, NULL))
            note(&count, what, size, "System V segment (key 0x%08x, %ld bytes) left behind",
                 (unsigned)key, (long)segsz); /* printed signed by the kernel */
        (void)shmctl(id, IPC_RMID, NULL);
    }
    fclose(f);
    return count;
}

static unsigned sweep_sysv_sem(char *what, size_t size)
{
    struct seminfo info;
    unsigned count = 0;
    if (syscall(SYS_semctl, 0, 0, SEM_INFO, &info) < 0 || info.semusz == 0)
        return 0;
    FILE *f = fopen("/proc/sysvipc/sem", "re");
    char line[512];
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        long key = 0, nsems = 0;
        int id = 0;
        unsigned perms = 0;
        if (sscanf(line, "%ld %d %o %ld", &key, &id, &perms, &nsems) != 4)
            continue;
        if (!is_excused(SHMFAULT_OBJ_SYSV_SEM, id, NULL))
            note(&count, what, size,
                 "System V semaphore set (key 0x%08x, %ld semaphores) left behind", (unsigned)key,
                 nsems);
        (void)semctl(id, 0, IPC_RMID);
    }
    fclose(f);
    return count;
}

/* Whether the private /dev/shm holds more than its root directory's inode (1: it may). */
static int dev_shm_used(void)
{
    struct statfs fs;
    if (shm_dir >= 0 && syscall(SYS_fstatfs, shm_dir, &fs) == 0 &&
        memcmp(&fs.f_fsid, &shm_fsid, sizeof(fs.f_fsid)) == 0)
        return fs.f_files - fs.f_ffree > 1;
    return !(syscall(SYS_statfs, "/dev/shm", &fs) == 0 && fs.f_files - fs.f_ffree <= 1);
}

static unsigned sweep_dev_shm(char *what, size_t size)
{
    unsigned count = 0;
    if (!dev_shm_used())
        return 0; /* only the root directory's inode is in use */
    DIR *d = opendir("/dev/shm");
    if (d == NULL)
        return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        int sem = strncmp(e->d_name, "sem.", 4) == 0;
        if (is_excused(sem ? SHMFAULT_OBJ_POSIX_SEM : SHMFAULT_OBJ_POSIX_SHM, -1,
                       sem ? e->d_name + 4 : e->d_name)) {
            (void)unlinkat(dirfd(d), e->d_name, 0);
            continue;
        }
        if (count++ == 0)
            snprintf(what, size, "POSIX %s '/%s' left behind in /dev/shm",
                     strncmp(e->d_name, "sem.", 4) == 0 ? "semaphore" : "shared memory",
                     strncmp(e->d_name, "sem.", 4) == 0 ? e->d_name + 4 : e->d_name);
        (void)unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
    return count;
}

static void remove_object(const struct shmfault_object *o)
{
    switch (o->kind) {
    case SHMFAULT_OBJ_SYSV_SHM: (void)shmctl((int)o->id, IPC_RMID, NULL); break;
    case SHMFAULT_OBJ_SYSV_SEM: (void)semctl((int)o->id, 0, IPC_RMID); break;
    case SHMFAULT_OBJ_POSIX_SHM: (void)shm_unlink(o->name); break;
    case SHMFAULT_OBJ_POSIX_SEM: (void)sem_unlink(o->name); break;
    }
}

/* What the first leaked object is, for the finding's one line (a System V object has a key and
   an id, a POSIX object a name). */
static void describe_left(const struct shmfault_object *o, char *what, size_t size)
{
    if (o->kind == SHMFAULT_OBJ_SYSV_SHM || o->kind == SHMFAULT_OBJ_SYSV_SEM)
        snprintf(what, size, "System V %s (key 0x%08x, id %ld) left behind",
                 o->kind == SHMFAULT_OBJ_SYSV_SHM ? "segment" : "semaphore set",
                 (unsigned)o->key, o->id);
    else
        snprintf(what, size, "POSIX object %s left behind", o->name);
}

/* Fallback: objects libshmfault saw this run create, of the kinds no namespace isolates. */
static unsigned sweep_ledger(char *what, size_t size, unsigned already)
{
    struct shmfault_object objs[32];
    size_t n = shmfault_ledger_live(objs, 32);
    unsigned count = 0;
    for (size_t i = 0; i < n && i < 32; i++) {
        int sysv = objs[i].kind == SHMFAULT_OBJ_SYSV_SHM || objs[i].kind == SHMFAULT_OBJ_SYSV_SEM;
        if (sysv ? sysv_private : posix_private)
            continue; /* the namespace scan covers it */
        if (is_excused(objs[i].kind, objs[i].id, objs[i].name[0] ? objs[i].name + 1 : "")) {
            remove_object(&objs[i]);
            continue;
        }
        if (already + count++ == 0)
            describe_left(&objs[i], what, size);
        remove_object(&objs[i]);
    }
    return count;
}

unsigned sfz_ns_sweep(char *what, size_t size, const pid_t *crashed, unsigned ncrashed)
{
    unsigned count = 0;
    collect_excused(crashed, ncrashed);
    if (sysv_private) {
        count += sweep_sysv_shm(what, size);
        count += sweep_sysv_sem(count ? NULL : what, count ? 0 : size);
    }
    if (posix_private)
        count += sweep_dev_shm(count ? NULL : what, count ? 0 : size);
    if (!sysv_private || !posix_private) {
        count += sweep_ledger(what, size, count);
        sfz_record_settle();
    }
    return count;
}
