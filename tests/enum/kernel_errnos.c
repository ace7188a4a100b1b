/*
 * kernel_errnos.c - every errno realistic.def calls realistic, provoked FOR REAL from the
 * kernel where a test can: limits lowered in this private IPC namespace (shmmni, shmmax,
 * kernel.sem), resource limits (RLIMIT_AS, RLIMIT_NOFILE, RLIMIT_FSIZE, RLIMIT_NPROC,
 * RLIMIT_MEMLOCK), permissions as user nobody, signals, IPC_NOWAIT and timeouts, a peer that
 * removes the object. Each case runs in its own child process (its limits and user die with
 * it) and checks both that the kernel returned the errno and that the table lists it as
 * realistic (or peer) for that class. A last check lists the table's errnos no case provokes,
 * each with the reason it cannot be provoked here; a new row without either fails the test.
 * Each case runs in a fresh IPC namespace and /dev/shm of its own (root; the ctest starts it
 * in a private one too, tests/targets/in-namespace.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shmfault.h"

#define NOBODY 65534
#define KEY 0x5EA1

static int fails;

/* ---- set-up helpers (run inside each case's child) --------------------------------------- */

static void become_nobody(void)
{
    if (setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
        _exit(200);
}

static void limit(__rlimit_resource_t resource, rlim_t value) /* glibc: an enum */
{
    struct rlimit r = {value, value};
    if (setrlimit(resource, &r) != 0)
        _exit(201);
}

static void sysctl(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0 || write(fd, value, strlen(value)) != (ssize_t)strlen(value))
        _exit(202);
    close(fd);
}

static void on_alarm(int sig)
{
    (void)sig;
}

/* A signal without SA_RESTART arrives while the next call blocks. */
static void interrupt_soon(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval t = {{0, 0}, {0, 20000}};
    setitimer(ITIMER_REAL, &t, NULL);
}

static int err_of(long rc)
{
    return rc == -1 ? errno : 0;
}

static int fill_fds(void)
{
    limit(RLIMIT_NOFILE, 16);
    while (open("/dev/null", O_RDONLY) >= 0)
        ;
    return 0;
}

static int root_shm(int flags)
{
    int id = shmget(KEY, 4096, IPC_CREAT | flags);
    return id;
}

/* ---- the cases --------------------------------------------------------------------------- */

static int shmget_eexist(void)
{
    root_shm(0600);
    return err_of(shmget(KEY, 4096, IPC_CREAT | IPC_EXCL | 0600));
}
static int shmget_enospc(void)
{
    root_shm(0600);
    sysctl("/proc/sys/kernel/shmmni", "1");
    return err_of(shmget(IPC_PRIVATE, 4096, IPC_CREAT | IPC_EXCL | 0600));
}
static int shmget_einval_limit(void)
{
    sysctl("/proc/sys/kernel/shmmax", "4096");
    return err_of(shmget(IPC_PRIVATE, 8192, IPC_CREAT | IPC_EXCL | 0600));
}
static int shmget_einval_smaller(void)
{
    root_shm(0600);
    return err_of(shmget(KEY, 8192, IPC_CREAT | 0600));
}
static int shmget_enospc_create(void)
{
    sysctl("/proc/sys/kernel/shmall", "1");
    return err_of(shmget(KEY, 8192, IPC_CREAT | 0600));
}
static int shmget_eacces(void)
{
    root_shm(0600);
    become_nobody();
    return err_of(shmget(KEY, 4096, IPC_CREAT | 0600));
}
static int shmget_eacces_open(void)
{
    root_shm(0600);
    become_nobody();
    return err_of(shmget(KEY, 4096, 0600)); /* mode 0 would ask for no permission at all */
}
static int shmget_einval_open(void)
{
    root_shm(0600);
    return err_of(shmget(KEY, 8192, 0));
}
static int shmget_enoent(void)
{
    return err_of(shmget(KEY + 1, 4096, 0));
}
static int shmat_enomem(void)
{
    int id = shmget(IPC_PRIVATE, 64 << 20, IPC_CREAT | 0600);
    limit(RLIMIT_AS, 32 << 20);
    return shmat(id, NULL, 0) == (void *)-1 ? errno : 0;
}
static int shmat_eacces(void)
{
    int id = root_shm(0600);
    become_nobody();
    return shmat(id, NULL, 0) == (void *)-1 ? errno : 0;
}
static int shmat_einval_removed(void)
{
    int id = root_shm(0600);
    shmctl(id, IPC_RMID, NULL);
    return shmat(id, NULL, 0) == (void *)-1 ? errno : 0;
}
static int shmctl_rmid_eperm(void)
{
    int id = root_shm(0600);
    become_nobody();
    return err_of(shmctl(id, IPC_RMID, NULL));
}
static int shmctl_rmid_einval(void)
{
    int id = root_shm(0600);
    shmctl(id, IPC_RMID, NULL);
    return err_of(shmctl(id, IPC_RMID, NULL));
}
static int shmctl_set_eperm(void)
{
    struct shmid_ds ds;
    int id = root_shm(0644);
    shmctl(id, IPC_STAT, &ds);
    become_nobody();
    return err_of(shmctl(id, IPC_SET, &ds));
}
static int shmctl_stat_eacces(void)
{
    struct shmid_ds ds;
    int id = root_shm(0600);
    become_nobody();
    return err_of(shmctl(id, IPC_STAT, &ds));
}
static int shmctl_lock_eperm(void)
{
    int id = root_shm(0666);
    become_nobody();
    limit(RLIMIT_MEMLOCK, 0);
    return err_of(shmctl(id, SHM_LOCK, NULL));
}
static int shmctl_unlock_eperm(void)
{
    int id = root_shm(0666);
    become_nobody();
    return err_of(shmctl(id, SHM_UNLOCK, NULL));
}
static int ftok_enoent(void)
{
    return err_of(ftok("/nonexistent/shmfuzz-key", 1));
}
static int ftok_eacces(void)
{
    mkdir("/dev/shm/private", 0700);
    close(open("/dev/shm/private/key", O_CREAT | O_WRONLY, 0600));
    become_nobody();
    return err_of(ftok("/dev/shm/private/key", 1));
}
static int sem_root(int flags)
{
    return semget(KEY, 1, IPC_CREAT | flags);
}
static int semget_eexist(void)
{
    sem_root(0600);
    return err_of(semget(KEY, 1, IPC_CREAT | IPC_EXCL | 0600));
}
static int semget_enospc(void)
{
    sem_root(0600);
    sysctl("/proc/sys/kernel/sem", "250 32000 32 1");
    return err_of(semget(IPC_PRIVATE, 1, IPC_CREAT | IPC_EXCL | 0600));
}
static int semget_enospc_create(void)
{
    sem_root(0600);
    sysctl("/proc/sys/kernel/sem", "250 32000 32 1");
    return err_of(semget(KEY + 1, 1, IPC_CREAT | 0600));
}
static int semget_einval_limit(void)
{
    sysctl("/proc/sys/kernel/sem", "4 32000 32 128");
    return err_of(semget(IPC_PRIVATE, 8, IPC_CREAT | IPC_EXCL | 0600));
}
static int semget_einval_more(void)
{
    sem_root(0600);
    return err_of(semget(KEY, 4, IPC_CREAT | 0600));
}
static int semget_einval_open(void)
{
    sem_root(0600);
    return err_of(semget(KEY, 4, 0));
}
static int semget_eacces(void)
{
    sem_root(0600);
    become_nobody();
    return err_of(semget(KEY, 1, IPC_CREAT | 0600));
}
static int semget_eacces_open(void)
{
    sem_root(0600);
    become_nobody();
    return err_of(semget(KEY, 1, 0600));
}
static int semget_enoent(void)
{
    return err_of(semget(KEY + 1, 1, 0));
}
static int semop_flags(short flg)
{
    int id = sem_root(0600);
    struct sembuf p = {0, -1, flg};
    return err_of(semop(id, &p, 1));
}
static int semop_nowait_eagain(void)
{
    return semop_flags(IPC_NOWAIT);
}
static int semop_nowait_undo_eagain(void)
{
    return semop_flags(IPC_NOWAIT | SEM_UNDO);
}
static int semop_eintr(void)
{
    interrupt_soon();
    return semop_flags(0);
}
static int semop_undo_eintr(void)
{
    interrupt_soon();
    return semop_flags(SEM_UNDO);
}
static int semop_eacces_as(short flg)
{
    int id = sem_root(0600);
    become_nobody();
    struct sembuf p = {0, 1, flg};
    return err_of(semop(id, &p, 1));
}
static int semop_eacces(void)
{
    return semop_eacces_as(0);
}
static int semop_nowait_eacces(void)
{
    return semop_eacces_as(IPC_NOWAIT);
}
static int semop_undo_eacces(void)
{
    return semop_eacces_as(SEM_UNDO);
}
static int semop_nowait_undo_eacces(void)
{
    return semop_eacces_as(IPC_NOWAIT | SEM_UNDO);
}
/* a peer removes the set while this process waits on it */
static int semop_eidrm(void)
{
    int id = sem_root(0600);
    pid_t peer = fork();
    if (peer == 0) {
        while (semctl(id, 0, GETNCNT) != 1)
            sched_yield();
        semctl(id, 0, IPC_RMID);
        _exit(0);
    }
    struct sembuf p = {0, -1, 0};
    int e = err_of(semop(id, &p, 1));
    waitpid(peer, NULL, 0);
    return e;
}
static int semop_einval_removed(void)
{
    int id = sem_root(0600);
    semctl(id, 0, IPC_RMID);
    struct sembuf p = {0, 1, 0};
    return err_of(semop(id, &p, 1));
}
static int semtimedop_eagain(void)
{
    int id = sem_root(0600);
    struct sembuf p = {0, -1, 0};
    struct timespec ts = {0, 1000000};
    return err_of(semtimedop(id, &p, 1, &ts));
}
static int semtimedop_eintr(void)
{
    int id = sem_root(0600);
    struct sembuf p = {0, -1, 0};
    struct timespec ts = {30, 0};
    interrupt_soon();
    return err_of(semtimedop(id, &p, 1, &ts));
}
static int semctl_as_nobody(int cmd)
{
    int id = sem_root(0600);
    become_nobody();
    struct semid_ds ds;
    return err_of(semctl(id, 0, cmd, &ds));
}
static int semctl_rmid_eperm(void)
{
    return semctl_as_nobody(IPC_RMID);
}
static int semctl_set_eperm(void)
{
    struct semid_ds ds;
    int id = sem_root(0644);
    semctl(id, 0, IPC_STAT, &ds);
    become_nobody();
    return err_of(semctl(id, 0, IPC_SET, &ds));
}
static int semctl_getval_eacces(void)
{
    return semctl_as_nobody(GETVAL);
}
static int semctl_rmid_einval(void)
{
    int id = sem_root(0600);
    semctl(id, 0, IPC_RMID);
    return err_of(semctl(id, 0, IPC_RMID));
}
static int shm_open_eexist(void)
{
    shm_open("/k", O_CREAT | O_RDWR, 0600);
    return err_of(shm_open("/k", O_CREAT | O_EXCL | O_RDWR, 0600));
}
static int shm_open_emfile_as(int oflag)
{
    if (oflag == 0)
        close(shm_open("/k", O_CREAT | O_RDWR, 0600));
    fill_fds();
    return err_of(shm_open("/k", oflag | O_RDWR, 0600));
}
static int shm_open_emfile_excl(void)
{
    return shm_open_emfile_as(O_CREAT | O_EXCL);
}
static int shm_open_emfile_creat(void)
{
    return shm_open_emfile_as(O_CREAT);
}
static int shm_open_emfile(void)
{
    return shm_open_emfile_as(0);
}
static int shm_open_eacces_as(int oflag)
{
    close(shm_open("/k", O_CREAT | O_RDWR, 0600));
    become_nobody();
    return err_of(shm_open("/k", oflag | O_RDWR, 0600));
}
static int shm_open_eacces_creat(void)
{
    return shm_open_eacces_as(O_CREAT);
}
static int shm_open_eacces(void)
{
    return shm_open_eacces_as(0);
}
static int shm_open_enoent(void)
{
    return err_of(shm_open("/absent", O_RDWR, 0));
}
static int shm_unlink_eacces(void)
{
    close(shm_open("/k", O_CREAT | O_RDWR, 0600));
    become_nobody();
    return err_of(shm_unlink("/k"));
}
static int shm_unlink_enoent(void)
{
    return err_of(shm_unlink("/absent"));
}
static int memfd_emfile(void)
{
    fill_fds();
    return err_of(memfd_create("k", 0));
}
static int ftruncate_efbig(void)
{
    int fd = shm_open("/k", O_CREAT | O_RDWR, 0600);
    signal(SIGXFSZ, SIG_IGN);
    limit(RLIMIT_FSIZE, 4096);
    return err_of(ftruncate(fd, 8192));
}
static int mmap_enomem(void)
{
    limit(RLIMIT_AS, 32 << 20);
    return mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0) ==
                   MAP_FAILED
               ? errno
               : 0;
}
static int mmap_locked_enomem(void)
{
    limit(RLIMIT_AS, 32 << 20);
    return mmap(NULL, 64 << 20, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_LOCKED, -1, 0) ==
                   MAP_FAILED
               ? errno
               : 0;
}
static int mmap_locked_eagain(void)
{
    become_nobody();
    limit(RLIMIT_MEMLOCK, 64 << 10); /* 0 would be EPERM: no locking at all */
    return mmap(NULL, 1 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0) ==
                   MAP_FAILED
               ? errno
               : 0;
}
static int sem_open_err(sem_t *s)
{
    return s == SEM_FAILED ? errno : 0;
}
static int sem_open_eexist(void)
{
    sem_open("/s", O_CREAT, 0600, 0);
    return sem_open_err(sem_open("/s", O_CREAT | O_EXCL, 0600, 0));
}
static int sem_open_emfile_as(int oflag)
{
    if (oflag == 0)
        sem_close(sem_open("/s", O_CREAT, 0600, 0));
    fill_fds();
    return sem_open_err(sem_open("/s", oflag, 0600, 0));
}
static int sem_open_emfile_excl(void)
{
    return sem_open_emfile_as(O_CREAT | O_EXCL);
}
static int sem_open_emfile_creat(void)
{
    return sem_open_emfile_as(O_CREAT);
}
static int sem_open_emfile(void)
{
    return sem_open_emfile_as(0);
}
static int sem_open_eacces_as(int oflag)
{
    sem_close(sem_open("/s", O_CREAT, 0600, 0));
    become_nobody();
    return sem_open_err(sem_open("/s", oflag, 0600, 0));
}
static int sem_open_eacces_creat(void)
{
    return sem_open_eacces_as(O_CREAT);
}
static int sem_open_eacces(void)
{
    return sem_open_eacces_as(0);
}
static int sem_open_enoent(void)
{
    return sem_open_err(sem_open("/absent", 0));
}
static int sem_unlink_eacces(void)
{
    sem_close(sem_open("/s", O_CREAT, 0600, 0));
    become_nobody();
    return err_of(sem_unlink("/s"));
}
static int sem_unlink_enoent(void)
{
    return err_of(sem_unlink("/absent"));
}
static sem_t *unnamed(void)
{
    static sem_t s;
    sem_init(&s, 0, 0);
    return &s;
}
static int sem_wait_eintr(void)
{
    sem_t *s = unnamed();
    interrupt_soon();
    return err_of(sem_wait(s));
}
static int sem_timedwait_etimedout(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return err_of(sem_timedwait(unnamed(), &ts));
}
static int sem_timedwait_eintr(void)
{
    sem_t *s = unnamed();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 30;
    interrupt_soon();
    return err_of(sem_timedwait(s, &ts));
}
static int sem_clockwait_etimedout(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return err_of(sem_clockwait(unnamed(), CLOCK_MONOTONIC, &ts));
}
static int sem_clockwait_eintr(void)
{
    sem_t *s = unnamed();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += 30;
    interrupt_soon();
    return err_of(sem_clockwait(s, CLOCK_MONOTONIC, &ts));
}
static int sem_trywait_eagain(void)
{
    return err_of(sem_trywait(unnamed()));
}
static int fork_eagain(void)
{
    become_nobody();
    limit(RLIMIT_NPROC, 0);
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    return p < 0 ? errno : 0;
}

/* ---- the table of cases ------------------------------------------------------------------ */

static const struct kcase {
    const char *fn;
    unsigned long cls;
    int err;
    int (*provoke)(void);
    const char *how;
} cases[] = {
    {"shmget", IPC_CREAT | IPC_EXCL, EEXIST, shmget_eexist, "key taken"},
    {"shmget", IPC_CREAT | IPC_EXCL, ENOSPC, shmget_enospc, "shmmni=1"},
    {"shmget", IPC_CREAT | IPC_EXCL, EINVAL, shmget_einval_limit, "shmmax=4096"},
    {"shmget", IPC_CREAT, EINVAL, shmget_einval_smaller, "existing segment smaller"},
    {"shmget", IPC_CREAT, ENOSPC, shmget_enospc_create, "shmall=1 page"},
    {"shmget", IPC_CREAT, EACCES, shmget_eacces, "nobody, root's 0600 segment"},
    {"shmget", 0, EACCES, shmget_eacces_open, "nobody, root's 0600 segment"},
    {"shmget", 0, EINVAL, shmget_einval_open, "existing segment smaller"},
    {"shmget", 0, ENOENT, shmget_enoent, "no such key"},
    {"shmat", 0, ENOMEM, shmat_enomem, "RLIMIT_AS"},
    {"shmat", 0, EACCES, shmat_eacces, "nobody"},
    {"shmat", 0, EINVAL, shmat_einval_removed, "removed"},
    {"shmctl", IPC_RMID, EPERM, shmctl_rmid_eperm, "nobody"},
    {"shmctl", IPC_RMID, EINVAL, shmctl_rmid_einval, "removed already"},
    {"shmctl", IPC_SET, EPERM, shmctl_set_eperm, "nobody"},
    {"shmctl", IPC_STAT, EACCES, shmctl_stat_eacces, "nobody"},
    {"shmctl", SHM_LOCK, EPERM, shmctl_lock_eperm, "nobody, RLIMIT_MEMLOCK 0"},
    {"shmctl", SHM_UNLOCK, EPERM, shmctl_unlock_eperm, "nobody"},
    {"ftok", 0, ENOENT, ftok_enoent, "no such file"},
    {"ftok", 0, EACCES, ftok_eacces, "nobody, 0700 directory"},
    {"semget", IPC_CREAT | IPC_EXCL, EEXIST, semget_eexist, "key taken"},
    {"semget", IPC_CREAT | IPC_EXCL, ENOSPC, semget_enospc, "semmni=1"},
    {"semget", IPC_CREAT | IPC_EXCL, EINVAL, semget_einval_limit, "semmsl=4"},
    {"semget", IPC_CREAT, ENOSPC, semget_enospc_create, "semmni=1"},
    {"semget", IPC_CREAT, EINVAL, semget_einval_more, "existing set smaller"},
    {"semget", IPC_CREAT, EACCES, semget_eacces, "nobody"},
    {"semget", 0, EACCES, semget_eacces_open, "nobody"},
    {"semget", 0, EINVAL, semget_einval_open, "existing set smaller"},
    {"semget", 0, ENOENT, semget_enoent, "no such key"},
    {"semop", IPC_NOWAIT, EAGAIN, semop_nowait_eagain, "value 0"},
    {"semop", IPC_NOWAIT | SEM_UNDO, EAGAIN, semop_nowait_undo_eagain, "value 0"},
    {"semop", 0, EINTR, semop_eintr, "SIGALRM"},
    {"semop", SEM_UNDO, EINTR, semop_undo_eintr, "SIGALRM"},
    {"semop", 0, EACCES, semop_eacces, "nobody"},
    {"semop", IPC_NOWAIT, EACCES, semop_nowait_eacces, "nobody"},
    {"semop", SEM_UNDO, EACCES, semop_undo_eacces, "nobody"},
    {"semop", IPC_NOWAIT | SEM_UNDO, EACCES, semop_nowait_undo_eacces, "nobody"},
    {"semop", 0, EIDRM, semop_eidrm, "a peer removes the set"},
    {"semop", 0, EINVAL, semop_einval_removed, "removed"},
    {"semtimedop", 0, EAGAIN, semtimedop_eagain, "1 ms timeout"},
    {"semtimedop", 0, EINTR, semtimedop_eintr, "SIGALRM"},
    {"semctl", IPC_RMID, EPERM, semctl_rmid_eperm, "nobody"},
    {"semctl", IPC_RMID, EINVAL, semctl_rmid_einval, "removed already"},
    {"semctl", IPC_SET, EPERM, semctl_set_eperm, "nobody"},
    {"semctl", GETVAL, EACCES, semctl_getval_eacces, "nobody"},
    {"shm_open", O_CREAT | O_EXCL, EEXIST, shm_open_eexist, "name taken"},
    {"shm_open", O_CREAT | O_EXCL, EMFILE, shm_open_emfile_excl, "RLIMIT_NOFILE"},
    {"shm_open", O_CREAT, EMFILE, shm_open_emfile_creat, "RLIMIT_NOFILE"},
    {"shm_open", 0, EMFILE, shm_open_emfile, "RLIMIT_NOFILE"},
    {"shm_open", O_CREAT, EACCES, shm_open_eacces_creat, "nobody"},
    {"shm_open", 0, EACCES, shm_open_eacces, "nobody"},
    {"shm_open", 0, ENOENT, shm_open_enoent, "no such name"},
    {"shm_unlink", 0, EACCES, shm_unlink_eacces, "nobody, sticky /dev/shm"},
    {"shm_unlink", 0, ENOENT, shm_unlink_enoent, "no such name"},
    {"memfd_create", 0, EMFILE, memfd_emfile, "RLIMIT_NOFILE"},
    {"ftruncate", 0, EFBIG, ftruncate_efbig, "RLIMIT_FSIZE"},
    {"mmap", 0, ENOMEM, mmap_enomem, "RLIMIT_AS"},
    {"mmap", MAP_LOCKED, ENOMEM, mmap_locked_enomem, "RLIMIT_AS"},
    {"mmap", MAP_LOCKED, EAGAIN, mmap_locked_eagain, "nobody, RLIMIT_MEMLOCK 64 KiB"},
    {"sem_open", O_CREAT | O_EXCL, EEXIST, sem_open_eexist, "name taken"},
    {"sem_open", O_CREAT | O_EXCL, EMFILE, sem_open_emfile_excl, "RLIMIT_NOFILE"},
    {"sem_open", O_CREAT, EMFILE, sem_open_emfile_creat, "RLIMIT_NOFILE"},
    {"sem_open", 0, EMFILE, sem_open_emfile, "RLIMIT_NOFILE"},
    {"sem_open", O_CREAT, EACCES, sem_open_eacces_creat, "nobody"},
    {"sem_open", 0, EACCES, sem_open_eacces, "nobody"},
    {"sem_open", 0, ENOENT, sem_open_enoent, "no such name"},
    {"sem_unlink", 0, EACCES, sem_unlink_eacces, "nobody, sticky /dev/shm"},
    {"sem_unlink", 0, ENOENT, sem_unlink_enoent, "no such name"},
    {"sem_wait", 0, EINTR, sem_wait_eintr, "SIGALRM"},
    {"sem_timedwait", 0, ETIMEDOUT, sem_timedwait_etimedout, "deadline passed"},
    {"sem_timedwait", 0, EINTR, sem_timedwait_eintr, "SIGALRM"},
    {"sem_clockwait", 0, ETIMEDOUT, sem_clockwait_etimedout, "deadline passed"},
    {"sem_clockwait", 0, EINTR, sem_clockwait_eintr, "SIGALRM"},
    {"sem_trywait", 0, EAGAIN, sem_trywait_eagain, "value 0"},
    {"fork", 0, EAGAIN, fork_eagain, "nobody, RLIMIT_NPROC 0"},
};

/* Realistic errnos no case provokes here, and why (a row added without a case or a reason
   fails the last check). */
static const struct {
    const char *fn;
    int err;
    const char *why;
} unprovoked[] = {
    {"shmget", ENOMEM, "kernel memory for the descriptor: needs memory exhaustion"},
    {"shmget", ENFILE, "the system-wide file table (fs.file-max is not per namespace)"},
    {"shmctl", ENOMEM, "SHM_LOCK past RLIMIT_MEMLOCK: root has CAP_IPC_LOCK, nobody gets EPERM"},
    {"shmat", EIDRM, "a segment removed between lookup and attach: a kernel race"},
    {"shmctl", EIDRM, "removed between lookup and use: a kernel race"},
    {"semctl", EIDRM, "removed between lookup and use: a kernel race"},
    {"semctl", EINVAL, "SEM_STAT_ANY of a removed index: covered by IPC_RMID's EINVAL"},
    {"ftok", ENOMEM, "kernel memory in stat(2): needs memory exhaustion"},
    {"semget", ENOMEM, "kernel memory for the set: needs memory exhaustion"},
    {"semop", ENOMEM, "the SEM_UNDO structure: needs memory exhaustion"},
    {"semop", EIDRM, "IPC_NOWAIT/SEM_UNDO classes: a set removed while waiting (blocking case)"},
    {"semtimedop", ENOMEM, "the SEM_UNDO structure: needs memory exhaustion"},
    {"semtimedop", EACCES, "as semop's (same kernel path)"},
    {"semtimedop", EIDRM, "as semop's (same kernel path)"},
    {"semtimedop", EINVAL, "as semop's (same kernel path)"},
    {"shm_open", ENFILE, "the system-wide file table"},
    {"memfd_create", ENFILE, "the system-wide file table"},
    {"memfd_create", ENOMEM, "needs memory exhaustion"},
    {"sem_open", ENFILE, "the system-wide file table"},
    {"sem_open", ENOMEM, "glibc's allocation: needs memory exhaustion"},
    {"fork", ENOMEM, "needs memory exhaustion"},
};

/* Each case in its own IPC namespace and /dev/shm: no object or lowered limit of another. */
static void fresh_namespace(void)
{
    if (unshare(CLONE_NEWIPC | CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("kernel-errnos", "/dev/shm", "tmpfs", 0, "mode=1777") != 0)
        _exit(203);
}

static int run_case(const struct kcase *c)
{
    pid_t p = fork();
    if (p == 0) {
        fresh_namespace();
        _exit(c->provoke() & 0xff);
    }
    int st = 0;
    waitpid(p, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int in_table(const char *fn, unsigned long cls, int err)
{
    int list[32];
    int i = shmfault_function_lookup(fn);
    unsigned n = i < 0 ? 0 : shmfault_errnos_realistic((unsigned)i, cls, 1, list, 32);
    for (unsigned k = 0; k < n && k < 32; k++)
        if (list[k] == err)
            return 1;
    return 0;
}

static int provoked(const char *fn, int err)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (strcmp(cases[i].fn, fn) == 0 && cases[i].err == err)
            return 1;
    for (size_t i = 0; i < sizeof(unprovoked) / sizeof(unprovoked[0]); i++)
        if (strcmp(unprovoked[i].fn, fn) == 0 && unprovoked[i].err == err)
            return 1;
    return 0;
}

/* Every realistic errno of every class has a case or a reason. */
static void check_coverage(void)
{
    static const unsigned long classes[] = {0, IPC_CREAT, IPC_CREAT | IPC_EXCL, IPC_NOWAIT,
                                            SEM_UNDO, IPC_NOWAIT | SEM_UNDO, IPC_RMID, IPC_SET,
                                            IPC_STAT, SHM_LOCK, SHM_UNLOCK, GETVAL, O_CREAT,
                                            O_CREAT | O_EXCL, MAP_LOCKED};
    int list[32];
    for (unsigned f = 0; f < shmfault_function_count(); f++)
        for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
            unsigned n = shmfault_errnos_realistic(f, classes[c], 1, list, 32);
            for (unsigned k = 0; k < n && k < 32; k++)
                if (!provoked(shmfault_function_name(f), list[k])) {
                    printf("FAIL: %s %s: realistic, but no case provokes it and no reason says "
                           "why not\n", shmfault_function_name(f), shmfault_errno_name(list[k]));
                    fails++;
                }
        }
}

int main(void)
{
    if (geteuid() != 0) {
        puts("skipped: needs root (limits, user nobody)");
        return 77;
    }
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct kcase *c = &cases[i];
        int got = run_case(c);
        int listed = in_table(c->fn, c->cls, c->err);
        if (got == c->err && listed) {
            printf("ok: %s [class 0x%lx] %s from the kernel (%s)\n", c->fn, c->cls,
                   shmfault_errno_name(c->err), c->how);
            continue;
        }
        printf("FAIL: %s [class 0x%lx] %s (%s): the kernel returned %s%s\n", c->fn, c->cls,
               shmfault_errno_name(c->err), c->how,
               got > 0 && shmfault_errno_name(got) ? shmfault_errno_name(got) : got == 0 ? "success" : "?",
               listed ? "" : "; and realistic.def does not list it for that class");
        fails++;
    }
    check_coverage();
    return fails ? 1 : 0;
}
