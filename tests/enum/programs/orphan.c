/*
 * orphan.c - a producer and a consumer forked by one parent, meeting in an anonymous shared
 * mapping made before the forks (a process-shared mutex and condition variable, as in
 * shmemory, docs/outside-projects.md): the consumer waits for the producer's message, the
 * parent waits for both. The parent forks the consumer only once the producer exists; if the
 * consumer's fork fails, the producer (which never waits) ends on its own and the parent reaps
 * it and exits 1. Every failure says why; no process is left running.
 * PLANTED DEFECT (-DBUGGY): shmemory's `(pid1 = fork()) && (pid2 = fork())` shape: the
 * consumer is forked even when the producer's fork failed, and the parent exits 1 without
 * stopping it, so the consumer waits for a message forever (fork@1 in the parent: an orphan,
 * judged hang).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    int full;
    char msg[32];
};

static int produce(struct shared *s)
{
    pthread_mutex_lock(&s->lock);
    snprintf(s->msg, sizeof(s->msg), "hello");
    s->full = 1;
    pthread_cond_signal(&s->ready);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static int consume(struct shared *s)
{
    pthread_mutex_lock(&s->lock);
    while (!s->full)
        pthread_cond_wait(&s->ready, &s->lock); /* no timeout: the producer always comes */
    int ok = strcmp(s->msg, "hello") == 0;
    pthread_mutex_unlock(&s->lock);
    return ok ? 0 : 1;
}

static int reap(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return 1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int main(void)
{
    struct shared *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                            -1, 0);
    if (s == MAP_FAILED) {
        perror("orphan: mmap");
        return 1;
    }
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&s->lock, &ma);
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    pthread_cond_init(&s->ready, &ca);
    fflush(NULL);
#ifdef BUGGY
    pid_t producer = fork();
    if (producer == 0)
        _exit(produce(s));
    pid_t consumer = fork();
    if (consumer == 0)
        _exit(consume(s));
    if (producer < 0 || consumer < 0) {
        perror("orphan: fork");
        if (producer > 0)
            reap(producer);
        return 1;
    }
#else
    pid_t producer = fork();
    if (producer < 0) {
        perror("orphan: fork (producer)");
        return 1;
    }
    if (producer == 0)
        _exit(produce(s));
    pid_t consumer = fork();
    if (consumer < 0) {
        perror("orphan: fork (consumer)");
        reap(producer); /* it never waits: it ends on its own */
        return 1;
    }
    if (consumer == 0)
        _exit(consume(s));
#endif
    int a = reap(producer), b = reap(consumer);
    printf("orphan: producer %d, consumer %d\n", a, b);
    return a || b;
}
