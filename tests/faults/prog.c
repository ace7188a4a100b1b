/*
 * prog.c - the small real program the LD_PRELOAD tests run under libshmfault. It does not
 * link the library: it is a black box that calls libc. Each subcommand is one scenario:
 *   call FN          set up what FN needs, call FN once, print "FN ok" or "FN failed ERRNO"
 *   shm-create KEY   shmget(KEY, IPC_CREAT) and print the id (crash before/after tests)
 *   posix-create N   shm_open(N, O_CREAT) + ftruncate, print "created"
 *   removed-by-other leaky, then ipcrm removes everything (the ledger's kernel check)
 *   leaky            leaves one SysV segment (key 0x1234), one set (key 0x1235) and /leaky
 *   clean            creates and removes the same three kinds
 *   child-leaks      the parent creates and removes a segment (key 0x1241) and /attrib, then a
 *                    child creates both again and leaves them; prints "child PID" (attribution:
 *                    the same key and name, so a ledger that missed the removals blames the parent)
 *   threads          4 threads x 200 semop on one private set, prints the final value
 *   forks            3 children each attach a private segment and add to a counter in it
 *   prob N           N semop calls, prints a string of '.' (ok) and 'x' (failed)
 *   attach ID        shmat(ID), prints ok or the errno
 *   hello            prints "main reached"
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static int report(const char *fn, int failed)
{
    if (failed)
        printf("%s failed %s\n", fn, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
    else
        printf("%s ok\n", fn);
    return 0;
}

/* A set of one semaphore at 0: wait-for-zero with IPC_NOWAIT succeeds. No semctl call, so
 * semctl@1 rules hit the call under test. */
static int private_set(void)
{
    return semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
}

/* The same, at 1: a mutex for the forks scenario. */
static int mutex_set(void)
{
    int id = private_set();
    union semun arg = {.val = 1};
    if (id >= 0)
        semctl(id, 0, SETVAL, arg);
    return id;
}

/* One call of FN with valid arguments; everything it needs is made first (other functions). */
static int call(const char *fn)
{
    struct sembuf op = {0, 0, IPC_NOWAIT};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 1;
    if (strcmp(fn, "shmget") == 0)
        return report(fn, shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600) == -1);
    if (strcmp(fn, "ftok") == 0)
        return report(fn, ftok("/", 1) == -1);
    if (strcmp(fn, "semget") == 0)
        return report(fn, semget(IPC_PRIVATE, 1, IPC_CREAT | 0600) == -1);
    if (strcmp(fn, "shm_open") == 0)
        return report(fn, shm_open("/prog-call", O_CREAT | O_RDWR, 0600) == -1);
    if (strcmp(fn, "memfd_create") == 0)
        return report(fn, memfd_create("prog", 0) == -1);
    if (strcmp(fn, "fork") == 0) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        if (pid > 0)
            waitpid(pid, NULL, 0);
        return report(fn, pid == -1);
    }
    if (strcmp(fn, "sem_open") == 0)
        return report(fn, sem_open("/prog-sem", O_CREAT, 0600, 1) == SEM_FAILED);
    int shmid = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    int semid = private_set();
    if (strcmp(fn, "shmat") == 0)
        return report(fn, shmat(shmid, NULL, 0) == (void *)-1);
    if (strcmp(fn, "shmdt") == 0)
        return report(fn, shmdt(shmat(shmid, NULL, 0)) == -1);
    if (strcmp(fn, "shmctl") == 0)
        return report(fn, shmctl(shmid, IPC_RMID, NULL) == -1);
    if (strcmp(fn, "semop") == 0)
        return report(fn, semop(semid, &op, 1) == -1);
    if (strcmp(fn, "semtimedop") == 0)
        return report(fn, semtimedop(semid, &op, 1, &ts) == -1);
    if (strcmp(fn, "semctl") == 0)
        return report(fn, semctl(semid, 0, IPC_RMID) == -1);
    int fd = shm_open("/prog-call", O_CREAT | O_RDWR, 0600);
    if (strcmp(fn, "shm_unlink") == 0)
        return report(fn, shm_unlink("/prog-call") == -1);
    if (strcmp(fn, "ftruncate") == 0)
        return report(fn, ftruncate(fd, 4096) == -1);
    if (strcmp(fn, "mmap") == 0)
        return report(fn, mmap(NULL, 4096, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
    if (strcmp(fn, "munmap") == 0)
        return report(fn, munmap(mmap(NULL, 4096, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0), 4096) == -1);
    sem_t *s = sem_open("/prog-sem", O_CREAT, 0600, 1);
    if (strcmp(fn, "sem_close") == 0)
        return report(fn, sem_close(s) == -1);
    if (strcmp(fn, "sem_unlink") == 0)
        return report(fn, sem_unlink("/prog-sem") == -1);
    if (strcmp(fn, "sem_wait") == 0)
        return report(fn, sem_wait(s) == -1);
    if (strcmp(fn, "sem_timedwait") == 0)
        return report(fn, sem_timedwait(s, &ts) == -1);
    if (strcmp(fn, "sem_trywait") == 0)
        return report(fn, sem_trywait(s) == -1);
    if (strcmp(fn, "sem_post") == 0)
        return report(fn, sem_post(s) == -1);
    if (strcmp(fn, "sem_clockwait") == 0)
        return report(fn, sem_clockwait(s, CLOCK_REALTIME, &ts) == -1);
    fprintf(stderr, "prog: no scenario for %s\n", fn);
    return 2;
}

static void make_three(int remove)
{
    int shm = shmget(0x1234, 4096, IPC_CREAT | 0600);
    int sem = semget(0x1235, 2, IPC_CREAT | 0600);
    int fd = shm_open("/leaky", O_CREAT | O_RDWR, 0600);
    if (shm < 0 || sem < 0 || fd < 0) {
        perror("prog: create");
        exit(2);
    }
    close(fd);
    if (remove) {
        shmctl(shm, IPC_RMID, NULL);
        semctl(sem, 0, IPC_RMID);
        shm_unlink("/leaky");
    }
}

static int child_leaks(void)
{
    int mine = shmget(0x1241, 4096, IPC_CREAT | 0600);
    int fd = shm_open("/attrib", O_CREAT | O_RDWR, 0600);
    if (mine < 0 || shmctl(mine, IPC_RMID, NULL) != 0 || fd < 0 || shm_unlink("/attrib") != 0)
        return 2;
    close(fd);
    pid_t pid = fork();
    if (pid == 0) {
        fd = shm_open("/attrib", O_CREAT | O_RDWR, 0600);
        _exit(shmget(0x1241, 4096, IPC_CREAT | 0600) < 0 || fd < 0 ? 2 : 0);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 2;
    printf("child %d\n", (int)pid);
    return 0;
}

static int semid_shared;

static void *thread_body(void *arg)
{
    struct sembuf up = {0, 1, 0};
    (void)arg;
    for (int i = 0; i < 200; i++)
        if (semop(semid_shared, &up, 1) != 0)
            perror("semop");
    return NULL;
}

static int threads(void)
{
    pthread_t t[4];
    semid_shared = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, thread_body, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("semval %d\n", semctl(semid_shared, 0, GETVAL));
    semctl(semid_shared, 0, IPC_RMID);
    return 0;
}

static int forks(void)
{
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    int semid = mutex_set();
    for (int i = 0; i < 3; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            struct sembuf p = {0, -1, 0}, v = {0, 1, 0};
            int *counter = shmat(id, NULL, 0);
            semop(semid, &p, 1);
            *counter += i + 1;
            semop(semid, &v, 1);
            shmdt(counter);
            _exit(0);
        }
        int st;
        waitpid(pid, &st, 0);
        printf("child %d status %d\n", i, WEXITSTATUS(st));
    }
    int *counter = shmat(id, NULL, 0);
    printf("counter %d\n", *counter);
    shmdt(counter);
    shmctl(id, IPC_RMID, NULL);
    semctl(semid, 0, IPC_RMID);
    return 0;
}

static int prob(int n)
{
    int semid = private_set();
    struct sembuf op = {0, 0, IPC_NOWAIT};
    for (int i = 0; i < n; i++)
        putchar(semop(semid, &op, 1) == 0 ? '.' : 'x');
    putchar('\n');
    semctl(semid, 0, IPC_RMID);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(cmd, "call") == 0 && argc > 2)
        return call(argv[2]);
    if (strcmp(cmd, "shm-create") == 0 && argc > 2) {
        int id = shmget((key_t)strtol(argv[2], NULL, 0), 4096, IPC_CREAT | 0600);
        printf("id %d\n", id);
        return id < 0;
    }
    if (strcmp(cmd, "posix-create") == 0 && argc > 2) {
        int fd = shm_open(argv[2], O_CREAT | O_RDWR, 0600);
        if (fd < 0 || ftruncate(fd, 4096) != 0)
            return 1;
        puts("created");
        return 0;
    }
    if (strcmp(cmd, "leaky") == 0 || strcmp(cmd, "clean") == 0) {
        make_three(strcmp(cmd, "clean") == 0);
        puts("done");
        return 0;
    }
    if (strcmp(cmd, "removed-by-other") == 0) {
        /* another program removes what this one made: the kernel's view says no leak */
        make_three(0);
        return system("ipcrm --all; rm -f /dev/shm/leaky") == 0 ? 0 : 1;
    }
    if (strcmp(cmd, "child-leaks") == 0)
        return child_leaks();
    if (strcmp(cmd, "threads") == 0)
        return threads();
    if (strcmp(cmd, "forks") == 0)
        return forks();
    if (strcmp(cmd, "prob") == 0 && argc > 2)
        return prob(atoi(argv[2]));
    if (strcmp(cmd, "attach") == 0 && argc > 2) {
        void *p = shmat(atoi(argv[2]), NULL, 0);
        return report("shmat", p == (void *)-1);
    }
    if (strcmp(cmd, "hello") == 0) {
        puts("main reached");
        return 0;
    }
    fprintf(stderr, "usage: prog call FN | shm-create KEY | posix-create NAME | leaky | clean | "
                    "child-leaks | threads | forks | prob N | attach ID | hello\n");
    return 2;
}
