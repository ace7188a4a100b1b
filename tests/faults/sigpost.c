/*
 * sigpost.c - a signal-heavy program whose calls are the same in every run (issue 10, item 4).
 *
 *   sigpost N
 *
 * N rounds. In each, main calls sem_post(&count), hands a token to a sender thread and waits in
 * semop on a private System V set; the sender sends SIGUSR1 to main, whose handler calls
 * sem_post(&count) (usually while main is inside the real semop) and then wakes main with a raw
 * semop syscall (not a fault point). So sem_post is called exactly 2N times, main's and the
 * handler's strictly alternating, and a rule such as sem_post%2 hits exactly the handler's calls.
 * Prints what every call returned; the same line is expected with and without a trace.
 * (main's semop may be interrupted by the signal and retried: only its successes are printed.)
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <unistd.h>

static sem_t count;
static int setid;
static int tokens[2];
static pthread_t main_thread;
static volatile sig_atomic_t h_ok, h_fail, h_other;

static void on_usr1(int sig)
{
    int saved = errno;
    struct sembuf up = {0, 1, 0};
    (void)sig;
    errno = 0;
    if (sem_post(&count) == 0)
        h_ok++;
    else if (errno == EOVERFLOW)
        h_fail++;
    else
        h_other++;
    (void)syscall(SYS_semop, setid, &up, 1); /* the wake: a raw syscall, never a fault point */
    errno = saved;
}

static void *sender(void *arg)
{
    long n = (long)arg;
    char c;
    for (long i = 0; i < n; i++) {
        if (read(tokens[0], &c, 1) != 1)
            break;
        pthread_kill(main_thread, SIGUSR1);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    unsigned long m_ok = 0, m_fail = 0, waits = 0, intr = 0;
    struct sigaction sa;
    pthread_t th;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sem_init(&count, 0, 0);
    setid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    if (setid < 0 || pipe(tokens) != 0) {
        perror("sigpost: set-up");
        return 2;
    }
    main_thread = pthread_self();
    pthread_create(&th, NULL, sender, (void *)n);
    for (long i = 0; i < n; i++) {
        struct sembuf down = {0, -1, 0};
        errno = 0;
        if (sem_post(&count) == 0)
            m_ok++;
        else
            m_fail++;
        if (write(tokens[1], "t", 1) != 1)
            return 2;
        while (semop(setid, &down, 1) != 0) {
            if (errno != EINTR) {
                perror("sigpost: semop");
                return 2;
            }
            intr++;
        }
        waits++;
    }
    pthread_join(th, NULL);
    int value = -1;
    sem_getvalue(&count, &value);
    semctl(setid, 0, IPC_RMID);
    printf("main posts ok=%lu failed=%lu; handler posts ok=%d failed=%d other=%d; waits=%lu; "
           "value=%d\n", m_ok, m_fail, (int)h_ok, (int)h_fail, (int)h_other, waits, value);
    (void)intr;
    return 0;
}
