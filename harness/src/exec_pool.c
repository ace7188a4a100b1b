/*
 * exec_pool.c - the forked worker processes and the channel to them. A worker is forked once
 * and kept across inputs (a fork costs ~0.84 ms here); one that died is forked again when a
 * program next needs it. Commands go through the shared area and the worker's channel words
 * in the live page (exec_internal.h), not a socket: a socket round trip is two system calls on each side and
 * two sleeps, ~15-25 us here, while a worker that finds its command by spinning on the other
 * core costs nothing but the cache line. Nobody ever holds a lock, so a worker killed at any
 * instruction cannot wedge the executor: its death arrives as SIGCHLD, whose handler marks the
 * word the executor waits on, and waitpid collects it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec_internal.h"

/* How long a side spins before it sleeps, when there is a second core to spin on: about one
   wake-up of a sleeping process here (the executor, waiting on the one worker that runs), and
   less for an idle worker, which must not keep the core from the worker the executor runs. */
#define EXEC_SPIN_NS 40000u
#define WORKER_SPIN_NS 4000u
/* The longest a side sleeps before it looks again. The sleep flags are in the live page, within
   the code under test's reach: a scribbled flag may cost a wake-up, and then only this much
   time, never an op timeout (a false hang). */
#define RECHECK_NS 20000000u
static const struct timespec recheck = {0, RECHECK_NS};

static struct {
    pid_t pid;   /* 0: not running */
    int dead;    /* reaped already (SIGCHLD between commands); its status below */
    int wstatus;
    uint32_t posted; /* the last cmd_seq given to it (the executor's own copy, not the area's) */
} pool[SFZ_MAX_PROCS];

static uint32_t chld_events;         /* SIGCHLDs received */
static uint32_t chld_seen;           /* the count when the pool was last checked */
static uint32_t *waiting_on;         /* the ack word the executor is waiting on, if any */
static struct sigaction chld_before; /* the handler this one chains to */
static int spin_ok = -1;             /* more than one CPU online */

pid_t sfz_pool_pid(unsigned w) { return pool[w].pid; }
int sfz_pool_alive(unsigned w) { return pool[w].pid > 0; }

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *timeout)
{
    return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* How long one op may run before it is a hang: the setting, or practically forever (0). */
static uint64_t op_limit_ns(unsigned timeout_ms)
{
    return (uint64_t)(timeout_ms ? timeout_ms : 1u << 30) * 1000000u;
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Whether a core is free to spin on: more than one online and, at the last look (every
   SPIN_CHECK_NS), this process allowed on more than one (pinned to one CPU, as bench/ runs
   every measured command, a spinning side only keeps the other from that CPU) and nothing
   runnable but the looking process. On a loaded machine a spinning side takes the core the
   other side needs, and sleeping is faster. The executor looks and leaves the answer in the
   shared area for the workers. */
#define SPIN_CHECK_NS 20000000u
static int core_free(void)
{
    cpu_set_t cpus;
    if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) < 2)
        return 0;
    char buf[128];
    int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char *p = buf;
    for (int field = 0; field < 3 && p != NULL; field++)
        p = strchr(p + 1, ' ');
    return p != NULL && strtol(p + 1, NULL, 10) <= 1; /* "running/total": running includes us */
}

static int can_spin(void)
{
    static uint64_t next_check;
    if (spin_ok < 0)
        spin_ok = sysconf(_SC_NPROCESSORS_ONLN) > 1;
    if (!spin_ok)
        return 0;
    if (sfz_state.self != SFZ_EXECUTOR)
        return (int)__atomic_load_n(&sfz_state.area->spin, __ATOMIC_RELAXED);
    uint64_t t = now_ns();
    if (t >= next_check) {
        next_check = t + SPIN_CHECK_NS;
        __atomic_store_n(&sfz_state.area->spin, (unsigned)core_free(), __ATOMIC_RELAXED);
    }
    return (int)sfz_state.area->spin;
}

/* ---- the channel, both sides ---------------------------------------------------------- */

void sfz_chan_publish(uint32_t *word, uint32_t value, const uint32_t *sleeps)
{
    __atomic_store_n(word, value, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(sleeps, __ATOMIC_SEQ_CST))
        (void)futex(word, FUTEX_WAKE, INT_MAX, NULL);
}

/* Sleep until *WORD is not SEEN, announcing it in *SLEEPS first (then a publisher that stored
   before our announcement is seen by our check, and one after it sees the announcement). */
static void sleep_on(uint32_t *word, uint32_t seen, uint32_t *sleeps, const struct timespec *t)
{
    __atomic_store_n(sleeps, 1u, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(word, __ATOMIC_SEQ_CST) == seen)
        (void)futex(word, FUTEX_WAIT, seen, t);
    __atomic_store_n(sleeps, 0u, __ATOMIC_SEQ_CST);
}

/* Whether worker W's channel holds post WANT of a command the area has for W under that
   number (exec_internal.h), copied to CMD. */
static int posted(unsigned w, uint32_t want, struct sfz_cmd *cmd)
{
    const struct sfz_area *a = sfz_state.area;
    const struct sfz_slot *s = &sfz_state.live->slot[w];
    if (__atomic_load_n(&s->cmd_seq, __ATOMIC_SEQ_CST) != want)
        return 0;
    uint32_t link = __atomic_load_n(&s->link, __ATOMIC_SEQ_CST);
    const struct sfz_link *l = &a->post[w];
    if (link != 0)
        l = link <= a->chain_len && link <= SFZ_CHAIN_MAX ? &a->chain[link - 1] : NULL;
    if (l == NULL || l->worker != w || l->seq != want)
        return 0;
    *cmd = l->cmd;
    return 1;
}

void sfz_chan_wait_cmd(unsigned w, uint32_t want, struct sfz_cmd *cmd)
{
    struct sfz_slot *s = &sfz_state.live->slot[w];
    if (can_spin()) {
        uint64_t until = now_ns() + WORKER_SPIN_NS;
        for (unsigned i = 0; !posted(w, want, cmd); i++) {
            cpu_relax();
            if ((i & 63u) == 63u && now_ns() > until)
                break;
        }
    }
    /* A number that is WANT without its command (a scribble) is slept on like any other: the
       real post stores the same number and, seeing the sleeper's flag, wakes it. The flag is
       raised before the last look, so a post made before it is seen by that look. */
    while (!posted(w, want, cmd)) {
        uint32_t cur = __atomic_load_n(&s->cmd_seq, __ATOMIC_SEQ_CST);
        __atomic_store_n(&s->worker_sleeps, 1u, __ATOMIC_SEQ_CST);
        if (!posted(w, want, cmd) && __atomic_load_n(&s->cmd_seq, __ATOMIC_SEQ_CST) == cur)
            (void)futex(&s->cmd_seq, FUTEX_WAIT, cur, &recheck);
        __atomic_store_n(&s->worker_sleeps, 0u, __ATOMIC_SEQ_CST);
    }
}

void sfz_chan_ack(struct sfz_slot *s, uint32_t seq)
{
    sfz_chan_publish(&s->ack, seq, &s->exec_sleeps);
}

/* ---- deaths ------------------------------------------------------------------------------- */

static void on_sigchld(int sig, siginfo_t *info, void *uc)
{
    int saved = errno;
    __atomic_add_fetch(&chld_events, 1u, __ATOMIC_SEQ_CST);
    uint32_t *word = __atomic_load_n(&waiting_on, __ATOMIC_SEQ_CST);
    if (word != NULL) {
        __atomic_fetch_or(word, SFZ_ACK_CHILD, __ATOMIC_SEQ_CST);
        (void)futex(word, FUTEX_WAKE, INT_MAX, NULL);
    }
    if (chld_before.sa_flags & SA_SIGINFO) {
        if (chld_before.sa_sigaction != NULL)
            chld_before.sa_sigaction(sig, info, uc);
    } else if (chld_before.sa_handler != SIG_DFL && chld_before.sa_handler != SIG_IGN) {
        chld_before.sa_handler(sig);
    }
    errno = saved;
}

static void watch_children(void)
{
    static int installed;
    if (installed)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigchld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP;
    sigemptyset(&sa.sa_mask);
    installed = sigaction(SIGCHLD, &sa, &chld_before) == 0;
}

/* After a SIGCHLD: collect every worker that has ended, so none is waited on in vain. */
static void check_pool(void)
{
    uint32_t n = __atomic_load_n(&chld_events, __ATOMIC_SEQ_CST);
    if (n == chld_seen)
        return;
    chld_seen = n;
    for (unsigned w = 0; w < SFZ_MAX_PROCS; w++) {
        int st = 0;
        if (pool[w].pid > 0 && !pool[w].dead && waitpid(pool[w].pid, &st, WNOHANG) == pool[w].pid) {
            pool[w].dead = 1;
            pool[w].wstatus = st;
        }
    }
}

/* ---- workers -------------------------------------------------------------------------------- */

/* A sanitizer report (UBSan, ASan) in a worker ends in the runtime's Die(), which calls the
   engine's death callback: libFuzzer's dumps "the current input", in a worker a stale copy of
   an earlier one. A worker reports, exits with the sanitizer's exit code, and the executor
   judges the death with the right input. */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));
static void no_death_callback(void) {}

/* Crashes must reach the executor as what they are: the engine's and the sanitizers' handlers
   (inherited at fork) would turn a SIGSEGV into an exit code or run the engine's crash path. */
static void worker_signals(void)
{
    static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGTRAP,
                                        SIGALRM, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGPIPE,
                                        SIGCHLD};
    for (unsigned i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
        signal(crash_signals[i], SIG_DFL);
    if (__sanitizer_set_death_callback != NULL)
        __sanitizer_set_death_callback(no_death_callback);
}

void sfz_pool_worker_main(unsigned w, pid_t parent, uint32_t seq)
{
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(0); /* the executor died before the line above */
    worker_signals();
    sfz_state.self = w;
    sfz_worker_loop(w, seq);
}

int sfz_pool_ensure(unsigned w)
{
    if (pool[w].pid > 0 && !pool[w].dead)
        return 0;
    watch_children();
    struct sfz_slot *s = &sfz_state.live->slot[w];
    /* a worker that died may have left its sleeping flag set or an old ack: start clean */
    pool[w].posted &= ~SFZ_ACK_CHILD;
    __atomic_store_n(&s->cmd_seq, pool[w].posted, __ATOMIC_SEQ_CST);
    __atomic_store_n(&s->ack, pool[w].posted, __ATOMIC_SEQ_CST);
    __atomic_store_n(&s->worker_sleeps, 0u, __ATOMIC_SEQ_CST);
    __atomic_store_n(&s->exec_sleeps, 0u, __ATOMIC_SEQ_CST);
    /* from the zygote (exec_zygote.c): a fork of a small process, not of this one */
    pid_t pid = sfz_zygote_spawn(w, pool[w].posted);
    if (pid < 0) {
        pid_t parent = getpid();
        pid = fork();
        if (pid < 0)
            return -1;
        if (pid == 0)
            sfz_pool_worker_main(w, parent, pool[w].posted);
    }
    pool[w].pid = pid;
    pool[w].dead = 0;
    return 0;
}

static void reap(unsigned w, int *wstatus)
{
    int st = pool[w].wstatus;
    if (!pool[w].dead)
        while (waitpid(pool[w].pid, &st, 0) < 0 && errno == EINTR)
            ;
    pool[w].pid = 0;
    pool[w].dead = 0;
    if (wstatus)
        *wstatus = st;
}

void sfz_pool_post(unsigned w, const struct sfz_cmd *cmd)
{
    struct sfz_slot *s = &sfz_state.live->slot[w];
    /* sequence numbers stay below SFZ_ACK_CHILD, the bit the SIGCHLD handler sets */
    pool[w].posted = (pool[w].posted + 1u) & ~SFZ_ACK_CHILD;
    sfz_state.area->post[w] = (struct sfz_link){*cmd, w, pool[w].posted};
    __atomic_store_n(&s->link, 0u, __ATOMIC_SEQ_CST);
    sfz_chan_publish(&s->cmd_seq, pool[w].posted, &s->worker_sleeps);
}

void sfz_pool_repair(void)
{
    for (unsigned w = 0; w < SFZ_MAX_PROCS; w++) {
        struct sfz_slot *s = &sfz_state.live->slot[w];
        __atomic_store_n(&s->link, 0u, __ATOMIC_SEQ_CST);
        __atomic_store_n(&s->cmd_seq, pool[w].posted, __ATOMIC_SEQ_CST);
        __atomic_store_n(&s->ack, pool[w].posted, __ATOMIC_SEQ_CST);
        __atomic_store_n(&s->exec_sleeps, 0u, __ATOMIC_SEQ_CST);
        /* a worker may be asleep on its word: the next post wakes it whatever it says */
        __atomic_store_n(&s->worker_sleeps, 1u, __ATOMIC_SEQ_CST);
    }
}

/* ---- the chain (exec_internal.h) ---------------------------------------------------------- */

/* The executor's own copy of the chain's workers and sequence numbers: the area's may be
   scribbled over by the code under test while the chain runs. */
static struct {
    unsigned worker;
    uint32_t seq;
} links[SFZ_CHAIN_MAX];
static uint32_t nlinks;
static uint32_t chain_gen; /* the running chain's number, never 0 */

void sfz_pool_chain_start(void)
{
    struct sfz_area *a = sfz_state.area;
    uint32_t seq[SFZ_MAX_PROCS];
    chain_gen = (chain_gen + 1u) & ~SFZ_ACK_CHILD;
    if (chain_gen == 0)
        chain_gen = 1;
    for (unsigned w = 0; w < SFZ_MAX_PROCS; w++)
        seq[w] = pool[w].posted;
    for (uint32_t j = 0; j < a->chain_len; j++) {
        struct sfz_link *l = &a->chain[j];
        seq[l->worker] = (seq[l->worker] + 1u) & ~SFZ_ACK_CHILD;
        l->seq = seq[l->worker];
        l->cmd.link = j + 1;
        l->cmd.gen = chain_gen;
        links[j].worker = l->worker;
        links[j].seq = l->seq;
    }
    nlinks = a->chain_len;
    a->chain_sum = sfz_chain_sum();
    __atomic_store_n(&sfz_state.live->chain_at, 0u, __ATOMIC_SEQ_CST);
    __atomic_store_n(&sfz_state.live->chain_end, 0u, __ATOMIC_SEQ_CST);
    __atomic_store_n(&sfz_state.live->chain_sleeps, 0u, __ATOMIC_SEQ_CST);
    const struct sfz_link *first = &a->chain[0];
    sfz_prepare(first->worker, &first->cmd);
    sfz_pool_post(first->worker, &first->cmd);
}

/* ---- the executor's wait ---------------------------------------------------------------- */

/* What the executor waits for: WORD (a worker's ack, or the chain's end) to hold WANT, the
   SIGCHLD bit aside, while the worker running an op (W; in a chain, the running link's) ends
   that op within the limit. One loop for both: spin while a core is free, take the SIGCHLD
   mark back, look for a dead worker, restart the clock when the timed worker starts another
   op, else sleep on WORD. */
struct wait {
    uint32_t *word, *sleeps;
    uint32_t want;
    int chain;         /* follow the chain's running link from worker to worker */
    uint32_t link;     /* in a chain: the running link at the last look */
    unsigned w;        /* the worker whose op is timed */
    uint32_t progress; /* its progress counter at the last look */
    uint64_t limit, deadline;
};

/* chain_at is in the live page, within the code under test's reach: the executor takes from
   it only a link after the one it knows of (a chain only moves on; zeroes are a scribble) and
   in range. The link that stops the chain stores its own number there after its adapter code
   and acknowledges its command before, so the end is checked against that ack as well. */
static int link_later(uint32_t at, uint32_t from)
{
    return at < nlinks && at > from;
}

static int link_ended(uint32_t at, uint32_t from)
{
    return at < nlinks && at >= from &&
           __atomic_load_n(&sfz_state.live->slot[links[at].worker].ack, __ATOMIC_SEQ_CST) ==
               links[at].seq;
}

static void follow_to(struct wait *x, uint32_t at)
{
    x->link = at;
    x->w = links[at].worker;
    x->progress = __atomic_load_n(&sfz_state.live->w[x->w].progress, __ATOMIC_RELAXED);
    x->deadline = now_ns() + x->limit;
}

/* What moved since the last look: in a chain, a hand-over (the next link's op has its own
   timeout). */
static void wait_follow(struct wait *x)
{
    if (!x->chain)
        return;
    uint32_t at = __atomic_load_n(&sfz_state.live->chain_at, __ATOMIC_SEQ_CST);
    if (link_later(at, x->link))
        follow_to(x, at);
}

/* Before a kill over a timeout: whether the timed worker is still in its op. A chain's link is
   taken back from its worker first (compare-and-swap on chain_at): one that ends its link now
   cannot hand over any more, so no other worker runs while this one is killed; one that handed
   over just now did not time out: the next link is followed, with its own timeout. */
static int wait_take_back(struct wait *x)
{
    if (!x->chain)
        return 1;
    uint32_t expect = x->link;
    if (__atomic_compare_exchange_n(&sfz_state.live->chain_at, &expect, x->link | SFZ_ACK_CHILD,
                                    0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) ||
        !link_later(expect, x->link))
        return 1;
    follow_to(x, expect);
    return 0;
}

static enum sfz_reply wait_for(struct wait *x)
{
    uint64_t t = now_ns(), spin_until = can_spin() ? t + EXEC_SPIN_NS : 0;
    enum sfz_reply reply = SFZ_REPLY_DONE;
    x->progress = __atomic_load_n(&sfz_state.live->w[x->w].progress, __ATOMIC_RELAXED);
    x->deadline = t + x->limit;
    __atomic_store_n(&waiting_on, x->word, __ATOMIC_SEQ_CST);
    for (unsigned i = 0;; i++) {
        uint32_t v = __atomic_load_n(x->word, __ATOMIC_ACQUIRE);
        if ((v & ~SFZ_ACK_CHILD) == x->want)
            break;
        if ((v & SFZ_ACK_CHILD) &&
            !__atomic_compare_exchange_n(x->word, &v, v & ~SFZ_ACK_CHILD, 0, __ATOMIC_SEQ_CST,
                                         __ATOMIC_SEQ_CST))
            continue; /* the answer came meanwhile */
        v &= ~SFZ_ACK_CHILD;
        wait_follow(x);
        check_pool();
        if (pool[x->w].dead) {
            reply = SFZ_REPLY_DIED;
            break;
        }
        if (spin_until != 0 && (i & 15u) != 15u) {
            cpu_relax();
            continue;
        }
        t = now_ns();
        if (t < spin_until)
            continue;
        spin_until = 0;
        if (t >= x->deadline) {
            uint32_t p = __atomic_load_n(&sfz_state.live->w[x->w].progress, __ATOMIC_RELAXED);
            if (p != x->progress) { /* a later op started: the timeout counts from there */
                x->progress = p;
                x->deadline = t + x->limit;
                continue;
            }
            if (!wait_take_back(x))
                continue;
            kill(pool[x->w].pid, SIGKILL);
            reply = SFZ_REPLY_TIMEOUT;
            break;
        }
        uint64_t left = x->deadline - t < RECHECK_NS ? x->deadline - t : RECHECK_NS;
        struct timespec ts = {(time_t)(left / 1000000000u), (long)(left % 1000000000u)};
        sleep_on(x->word, v, x->sleeps, &ts);
    }
    __atomic_store_n(&waiting_on, NULL, __ATOMIC_SEQ_CST);
    return reply;
}

/* Returns when W's ack matches the last post, W has died, or the op running has taken more
   than TIMEOUT_MS since it started (the worker bumps progress at each op). */
enum sfz_reply sfz_pool_wait(unsigned w, unsigned timeout_ms, int *wstatus)
{
    struct sfz_slot *s = &sfz_state.live->slot[w];
    struct wait x = {&s->ack, &s->exec_sleeps, pool[w].posted, 0, 0, w, 0,
                     op_limit_ns(timeout_ms), 0};
    enum sfz_reply reply = wait_for(&x);
    if (reply != SFZ_REPLY_DONE)
        reap(w, wstatus);
    return reply;
}

enum sfz_reply sfz_pool_chain_wait(unsigned timeout_ms, uint32_t *at, int *wstatus)
{
    struct sfz_live *a = sfz_state.live;
    struct wait x = {&a->chain_end, &a->chain_sleeps, chain_gen, 1, 0, links[0].worker, 0,
                     op_limit_ns(timeout_ms), 0};
    enum sfz_reply reply = wait_for(&x);
    uint32_t link = x.link;
    if (reply == SFZ_REPLY_DONE) {
        /* the link that stopped it stored its own number after its adapter code */
        uint32_t end_link = __atomic_load_n(&a->chain_at, __ATOMIC_SEQ_CST);
        link = link_ended(end_link, link) ? end_link : link;
    }
    *at = link;
    __atomic_store_n(&a->chain_at, link, __ATOMIC_SEQ_CST); /* as the harness left it */
    for (uint32_t j = 0; j <= link; j++) /* the links posted so far */
        pool[links[j].worker].posted = links[j].seq;
    if (reply != SFZ_REPLY_DONE)
        reap(links[link].worker, wstatus);
    return reply;
}

/* Whether worker W's link CMD ended as a command the executor would have judged and found
   nothing in: every stage done, no finding, the area as the harness left it (what the
   executor checks after a command, against the copies it left in the area). */
static int link_clean(unsigned w, const struct sfz_cmd *cmd)
{
    const struct sfz_area *a = sfz_state.area;
    const struct sfz_wlive *l = &sfz_state.live->w[w];
    const char *what;
    if (l->completed != cmd->stages || l->finding != SFZ_FIND_NONE ||
        !sfz_area_intact(&what) || a->uncertain_slots != a->chain_uncertain)
        return 0;
    if ((cmd->stages & SFZ_DO_OPS) && l->next != cmd->to)
        return 0;
    return sfz_chain_sum() == a->chain_sum;
}

void sfz_chain_next(unsigned w, const struct sfz_cmd *cmd)
{
    const struct sfz_area *a = sfz_state.area;
    struct sfz_live *live = sfz_state.live;
    uint32_t k = cmd->link - 1, n = __atomic_load_n(&a->chain_len, __ATOMIC_RELAXED);
    if (k + 1 < n && n <= SFZ_CHAIN_MAX && link_clean(w, cmd)) {
        const struct sfz_link *l = &a->chain[k + 1];
        unsigned to = l->worker;
        uint32_t expect = k;
        /* the link moves on only if the executor did not take it back (timeout) */
        if (to < SFZ_MAX_PROCS && to != w &&
            __atomic_compare_exchange_n(&live->chain_at, &expect, k + 1, 0, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST)) {
            struct sfz_slot *s = &live->slot[to];
            sfz_prepare(to, &l->cmd);
            __atomic_store_n(&s->link, k + 2, __ATOMIC_SEQ_CST);
            sfz_chan_publish(&s->cmd_seq, l->seq, &s->worker_sleeps);
            return;
        }
    }
    /* this link stops the chain: its number, the truth over a scribble by the adapter code
       (unless the executor took the link back over a timeout) */
    if (__atomic_load_n(&live->chain_at, __ATOMIC_SEQ_CST) != (k | SFZ_ACK_CHILD))
        __atomic_store_n(&live->chain_at, k, __ATOMIC_SEQ_CST);
    __atomic_store_n(&live->chain_end, cmd->gen, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&live->chain_sleeps, __ATOMIC_SEQ_CST))
        (void)futex(&live->chain_end, FUTEX_WAKE, INT_MAX, NULL);
}

void sfz_pool_retire(unsigned w)
{
    if (pool[w].pid <= 0)
        return;
    check_pool();
    if (!pool[w].dead)
        kill(pool[w].pid, SIGKILL);
    reap(w, NULL);
}

void sfz_pool_stop_all(void)
{
    struct sfz_cmd quit = {SFZ_DO_QUIT, 0, 0, 0, 0, 0, 0};
    for (unsigned w = 0; w < SFZ_MAX_PROCS; w++) {
        if (pool[w].pid > 0) {
            check_pool();
            if (!pool[w].dead)
                sfz_pool_post(w, &quit); /* the worker leaves with _exit(0) */
            reap(w, NULL);
        }
    }
    sfz_zygote_stop();
}
