/*
 * core.c - the decision every intercepted call goes through, and the state behind it.
 *
 * Process-local: the rules, the arm flag, per-function and per-rule call counters ("calls made
 * by this process"), the generator. Shared by the whole process tree (a MAP_SHARED anonymous
 * area made at load, inherited across fork): injections, per-rule fired counts, count=tree
 * counters, the last injection and the ledger, so a parent learns what its children did.
 * Hot path: one relaxed load of sf_gate when nothing is armed; when armed, one atomic counter
 * and a walk over the rules of this function only. No locks anywhere: a process SIGKILLed at
 * any instruction leaves nothing another process waits for (docs/faults.md), and the per-call
 * work is reentrant (stack buffers, atomics), so a signal handler's call in the middle of it
 * is decided, counted and traced like any other.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

struct sf_shared *sf_shared;
struct sf_ruleset sf_rules;
int sf_gate;
int sf_armed_flag;
int sf_observe;
int sf_trace_all;
int sf_count_all;
int sf_trace_fd = -1;
pid_t sf_pid;
int sf_afl_shm_id[2] = {-1, -1};
char sf_afl_shm_name[2][64];
unsigned long sf_fn_calls[SF_NFN];
/* Armed calls of any function by this process, and their number at its newest injection:
   what shmfault_calls_after_injection answers (did the code ask anything after the failure?) */
static unsigned long calls_total, calls_at_injection;
/* Armed calls of this process that failed for real (the kernel's answer, not an injection). */
static unsigned long failed_total;
SF_TLS int sf_depth;
void *sf_real_ptr[SF_NFN];

static int init_state; /* 0 not yet, 1 in progress, 2 done (process-private, not shared) */
static SF_TLS int initializing; /* this thread is inside sf_init (a signal handler re-entered) */
#define SF_DEFAULT_SEED 0x5eedf00dULL
static uint64_t seed = SF_DEFAULT_SEED;
static unsigned long draws;
static unsigned long forks;
static struct sf_ruleset scratch; /* parse target: rule changes are not concurrent (docs) */

/* Referenced so a static link keeps every interposer family (see internal.h). */
static const int *const families[] __attribute__((used)) = {
    &sf_family_interpose, &sf_family_interpose_odd,
};

/* ---- real functions ---------------------------------------------------------------------- */

static SF_TLS int resolving;

void *sf_resolve(unsigned fn)
{
    void *p = NULL;
    if (resolving) /* dlsym came back into an interposer: the caller falls back or fails */
        return NULL;
    resolving = 1;
#ifndef SHMFAULT_PRELOAD
    /* Linked statically next to a sanitizer runtime, our strong names replace its interceptors;
     * calling the interceptor keeps what it does (ASan's fork locking, for one). */
    char name[64] = "__interceptor_";
    struct sf_buf b = {name, sizeof(name), strlen(name)};
    sf_put(&b, sf_functions[fn].name);
    p = dlsym(RTLD_DEFAULT, name);
#endif
    if (p == NULL)
        p = dlsym(RTLD_NEXT, sf_functions[fn].name);
    resolving = 0;
    if (p != NULL)
        __atomic_store_n(&sf_real_ptr[fn], p, __ATOMIC_RELAXED);
    return p;
}

/* ---- generator: splitmix64 of (seed, draw number); never touches rand()/random() --------- */

static uint64_t mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t draw(void)
{
    unsigned long k = __atomic_add_fetch(&draws, 1UL, __ATOMIC_RELAXED);
    return mix(seed ^ mix((uint64_t)k));
}

/* ---- state ------------------------------------------------------------------------------- */

void sf_gate_update(void)
{
    int g = sf_armed_flag || (sf_trace_all && sf_trace_fd >= 0);
    __atomic_store_n(&sf_gate, g, __ATOMIC_RELAXED);
}

static void at_fork_parent(void)
{
    forks++;
}

void sf_after_fork_child(void)
{
    sf_pid = (pid_t)syscall(SYS_getpid);
    if (sf_shared != NULL)
        __atomic_store_n(&sf_shared->forked, 1, __ATOMIC_RELAXED);
    memset(sf_fn_calls, 0, sizeof(sf_fn_calls));
    calls_total = calls_at_injection = failed_total = 0;
    for (unsigned i = 0; i < sf_rules.n; i++)
        sf_rules.r[i].seen = 0;
    seed = mix(seed ^ mix((uint64_t)forks + 1));
    draws = 0;
    forks = 0;
    sf_trace_reopen();
}

void sf_tree_restart(void)
{
    sf_pid = (pid_t)syscall(SYS_getpid);
    memset(sf_shared, 0, sizeof(*sf_shared));
    sf_shared->root = sf_pid;
    seed = SF_DEFAULT_SEED;
    draws = 0;
    forks = 0;
}

static void read_afl_ids(void)
{
    static const char *const vars[2] = {"__AFL_SHM_ID", "__AFL_SHM_FUZZ_ID"};
    for (int i = 0; i < 2; i++) {
        const char *v = getenv(vars[i]);
        if (v == NULL || *v == '\0')
            continue;
        /* a number is a SysV id; anything else a POSIX name (AFL++ built with USEMMAP) */
        char *end;
        long id = strtol(v, &end, 10);
        if (*end == '\0' && id >= 0 && id <= 0x7fffffff) {
            sf_afl_shm_id[i] = (int)id;
        } else {
            struct sf_buf b = {sf_afl_shm_name[i], sizeof(sf_afl_shm_name[i]), 0};
            sf_put(&b, v);
        }
    }
}

void sf_init(void)
{
    int expected = 0;
    if (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == 2)
        return;
    if (initializing)
        return; /* re-entered from a signal handler of the initializing thread: never wait */
    if (!__atomic_compare_exchange_n(&init_state, &expected, 1, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        /* Another thread of this process is initializing. init_state is process-private, so
         * the only thread waited for dies with the waiters: a SIGKILL cannot orphan this. */
        while (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) != 2)
            sched_yield();
        return;
    }
    initializing = 1;
    sf_depth++; /* dlsym, pthread_atfork: whatever they call is not the program's call */
    long area = syscall(SYS_mmap, NULL, sizeof(struct sf_shared), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (area < 0 && area > -4096) {
        /* no shared area: keep a private one so the API still answers (for this process) */
        static struct sf_shared fallback;
        sf_shared = &fallback;
    } else {
        sf_shared = (struct sf_shared *)area;
    }
    sf_pid = (pid_t)syscall(SYS_getpid);
    sf_shared->root = sf_pid;
    for (unsigned i = 0; i < SF_NFN; i++)
        (void)sf_real(i);
    if (getauxval(AT_SECURE) == 0) /* set-id: the environment is not ours to read */
        read_afl_ids();
    pthread_atfork(NULL, at_fork_parent, sf_after_fork_child);
#ifndef SHMFAULT_PRELOAD
    sf_observe = 1;   /* linked: the harness decides what to do with what the ledger saw */
    sf_count_all = 1; /* and reads shmfault_calls of any function */
#endif
    sf_depth--;
    initializing = 0;
    __atomic_store_n(&init_state, 2, __ATOMIC_RELEASE);
}

__attribute__((constructor(101))) static void sf_constructor(void)
{
    sf_init();
}

/* ---- the decision ------------------------------------------------------------------------ */

static int caller_matches(const struct sf_rule *r, uintptr_t caller)
{
    for (unsigned i = 0; i < r->nranges; i++)
        if (caller >= r->lo[i] && caller < r->hi[i])
            return 1;
    return 0;
}

static int take_shot(unsigned idx, const struct sf_rule *r)
{
    unsigned long *fired = &sf_shared->fired[idx];
    if (r->times == 0) {
        __atomic_add_fetch(fired, 1UL, __ATOMIC_RELAXED);
        return 1;
    }
    unsigned long cur = __atomic_load_n(fired, __ATOMIC_RELAXED);
    do {
        if (cur >= r->times)
            return 0;
    } while (!__atomic_compare_exchange_n(fired, &cur, cur + 1, 1, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    return 1;
}

static int matches(unsigned idx, unsigned long cls, uintptr_t caller, unsigned long call)
{
    struct sf_rule *r = &sf_rules.r[idx];
    unsigned long n = call;
    if (r->filtered) {
        if (r->cls >= 0 && (cls & sf_classes[r->cls].mask) != sf_classes[r->cls].value)
            return 0;
        if (r->proc == SF_PROC_FIRST && sf_pid != sf_shared->root)
            return 0;
        if (r->proc == SF_PROC_CHILDREN && sf_pid == sf_shared->root)
            return 0;
        if (r->has_caller && !caller_matches(r, caller))
            return 0;
        n = r->tree ? __atomic_add_fetch(&sf_shared->tree_seen[idx], 1UL, __ATOMIC_RELAXED)
                    : __atomic_add_fetch(&r->seen, 1UL, __ATOMIC_RELAXED);
    }
    switch (r->when) {
    case SF_WHEN_ALWAYS: break;
    case SF_WHEN_NTH: if (n != r->n) return 0; break;
    case SF_WHEN_FROM: if (n < r->n) return 0; break;
    case SF_WHEN_EVERY: if (n % r->n != 0) return 0; break;
    case SF_WHEN_RANGE: if (n < r->n || n > r->m) return 0; break;
    case SF_WHEN_PROB: if (!r->prob_all && draw() >= r->prob) return 0; break;
    }
    return take_shot(idx, r);
}

/*
 * sf_depth > 0 only while the layer itself calls out (sf_init, resolving caller= ranges): a
 * call made from there is the layer's, not the program's. It is never held across the real
 * call nor around the per-call work, so a signal handler's calls are always seen.
 */
int sf_enter_slow(struct sf_call *c, unsigned fn, unsigned long cls, uintptr_t caller)
{
    if (sf_depth > 0 || sf_shared == NULL)
        return 0;
    int armed = __atomic_load_n(&sf_armed_flag, __ATOMIC_RELAXED);
    c->fn = fn;
    c->rule = -1;
    c->caller = caller;
    c->alen = 0;
    c->args[0] = '\0';
    c->would_sleep = -1;
    c->tracing = sf_trace_fd >= 0 && (armed || sf_trace_all);
    c->call = 0;
    if (armed) {
        c->call = __atomic_add_fetch(&sf_fn_calls[fn], 1UL, __ATOMIC_RELAXED);
        (void)__atomic_add_fetch(&calls_total, 1UL, __ATOMIC_RELAXED);
        if (SF_UNLIKELY(__atomic_load_n(&sf_shared->tree_calls[fn], __ATOMIC_RELAXED) == 0))
            __atomic_store_n(&sf_shared->tree_calls[fn], 1UL, __ATOMIC_RELAXED);
        unsigned nr = sf_rules.nbyfn[fn];
        for (unsigned i = 0; i < nr; i++) {
            unsigned idx = sf_rules.byfn[fn][i];
            if (matches(idx, cls, caller, c->call)) {
                c->rule = (int)idx;
                break;
            }
        }
    }
    return c->rule >= 0 || c->tracing;
}

void sf_note_failed(void)
{
    (void)__atomic_add_fetch(&failed_total, 1UL, __ATOMIC_RELAXED);
}

void sf_note_call(unsigned fn)
{
    if (sf_shared != NULL && __atomic_load_n(&sf_armed_flag, __ATOMIC_RELAXED))
        __atomic_store_n(&sf_shared->tree_calls[fn], 1UL, __ATOMIC_RELAXED);
}

static unsigned long tagged(unsigned long ticket, unsigned long payload)
{
    return (ticket << 32) | (payload & 0xffffffffUL);
}

static void record(const struct sf_call *c, const struct sf_rule *r, int after)
{
    unsigned long ticket = __atomic_add_fetch(&sf_shared->injections, 1UL, __ATOMIC_RELAXED);
    __atomic_store_n(&calls_at_injection, __atomic_load_n(&calls_total, __ATOMIC_RELAXED),
                     __ATOMIC_RELAXED);
    struct sf_last_slot *s = &sf_shared->last[ticket % SF_LAST_SLOTS];
    unsigned long w[5] = {
        tagged(ticket, (c->fn & 0xffu) | ((unsigned)r->act & 0xffu) << 8 |
                           ((unsigned)after & 0xffu) << 16 | ((unsigned)c->rule & 0xffu) << 24),
        tagged(ticket, (unsigned)r->value), tagged(ticket, (unsigned)sf_pid),
        tagged(ticket, c->call), tagged(ticket, c->call >> 32)};
    for (unsigned i = 0; i < 5; i++)
        __atomic_store_n(&s->w[i], w[i], __ATOMIC_RELAXED);
}

static void action_name(struct sf_buf *b, const struct sf_rule *r)
{
    static const char *const sigs[12] = {[6] = "abort", [7] = "SIGBUS", [9] = "SIGKILL",
                                         [11] = "SIGSEGV"};
    if (r->act == SHMFAULT_ACT_ERRNO) {
        const char *n = shmfault_errno_name(r->value);
        sf_put(b, n ? n : "?");
    } else if (r->act == SHMFAULT_ACT_SIGNAL) {
        sf_put(b, r->value >= 0 && r->value < 12 && sigs[r->value] ? sigs[r->value] : "signal");
    } else {
        sf_put(b, "exit(");
        sf_put_dec(b, r->value);
        sf_putc(b, ')');
    }
}

/* What tells whether EINTR can happen at this call (eintr.c; docs/faults.md): "handler" on the
   sem_wait family, "would_sleep" on semop/semtimedop when it could be decided. Only traced
   calls pay for them. */
static void eintr_facts(struct sf_buf *b, const struct sf_call *c)
{
    if (c->fn == SF_FN_sem_wait || c->fn == SF_FN_sem_timedwait || c->fn == SF_FN_sem_clockwait)
        sf_put(b, sf_has_handler() ? ",\"handler\":true" : ",\"handler\":false");
    else if ((c->fn == SF_FN_semop || c->fn == SF_FN_semtimedop) && c->would_sleep >= 0)
        sf_put(b, c->would_sleep ? ",\"would_sleep\":true" : ",\"would_sleep\":false");
}

/* One JSON line: RET is the text of the result (a number, a quoted hex string or null). */
static void trace_line(const struct sf_call *c, const char *ret, int err, const struct sf_rule *r)
{
    char line[512];
    struct sf_buf b = {line, sizeof(line) - 1, 0};
    if (sf_trace_fd < 0)
        return;
    sf_put(&b, "{\"pid\":");
    sf_put_dec(&b, sf_pid);
    sf_put(&b, ",\"fn\":\"");
    sf_put(&b, sf_functions[c->fn].name);
    sf_put(&b, "\",\"call\":");
    sf_put_udec(&b, c->call);
    sf_put(&b, ",\"args\":");
    sf_put_json(&b, c->args);
    sf_put(&b, ",\"ret\":");
    sf_put(&b, ret);
    sf_put(&b, ",\"errno\":");
    if (err) {
        const char *n = shmfault_errno_name(err);
        sf_putc(&b, '"');
        if (n)
            sf_put(&b, n);
        else
            sf_put_dec(&b, err);
        sf_putc(&b, '"');
    } else {
        sf_put(&b, "null");
    }
    sf_put(&b, ",\"injected\":");
    if (r) {
        sf_putc(&b, '"');
        action_name(&b, r);
        sf_put(&b, "\",\"rule\":");
        sf_put_dec(&b, c->rule);
    } else {
        sf_put(&b, "null,\"rule\":null");
    }
    sf_put(&b, ",\"caller\":\"");
    sf_put_hex(&b, c->caller, 0);
    sf_put(&b, "\",\"run\":"); /* which run of its image this process is (runs.c) */
    if (sf_run_no != 0)
        sf_put_udec(&b, sf_run_no);
    else
        sf_put(&b, "null");
    sf_put(&b, sf_run_overlap ? ",\"overlap\":true" : ",\"overlap\":false");
    eintr_facts(&b, c);
    sf_putc(&b, '}');
    line[b.len++] = '\n';
    sf_trace_write(line, b.len); /* checked; one write: whole lines even with O_APPEND */
}

static void failure_text(unsigned fn, char *buf, size_t size)
{
    struct sf_buf b = {buf, size, 0};
    buf[0] = '\0';
    if (sf_functions[fn].fail == SF_FAIL_MINUS1)
        sf_put(&b, "-1");
    else if (sf_functions[fn].fail == SF_FAIL_SEM_FAILED)
        sf_put(&b, "\"0x0\"");
    else
        sf_put(&b, "\"0xffffffffffffffff\"");
}

__attribute__((noreturn)) static void crash(const struct sf_rule *r)
{
    if (r->act == SHMFAULT_ACT_EXIT)
        _exit(r->value);
    if (r->value == SIGABRT)
        abort();
    if (r->value != SIGKILL) {
        /* an injected crash is a crash: the program's own handler does not get to undo it */
        struct sigaction sa;
        sigset_t set;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = SIG_DFL;
        sigaction(r->value, &sa, NULL);
        sigemptyset(&set);
        sigaddset(&set, r->value);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
    }
    kill(sf_pid, r->value);
    raise(r->value);
    _exit(128 + r->value);
}

int sf_before(struct sf_call *c)
{
    if (c->rule < 0)
        return 0;
    const struct sf_rule *r = &sf_rules.r[c->rule];
    if (r->act == SHMFAULT_ACT_ERRNO) {
        char ret[32];
        failure_text(c->fn, ret, sizeof(ret));
        record(c, r, 0);
        trace_line(c, ret, r->value, r);
        errno = r->value;
        return 1;
    }
    if (!r->after) {
        record(c, r, 0);
        trace_line(c, "null", 0, r);
        crash(r);
    }
    return 0;
}

static void after_common(struct sf_call *c, const char *ret, int err)
{
    const struct sf_rule *r = c->rule >= 0 ? &sf_rules.r[c->rule] : NULL;
    if (r != NULL) {
        record(c, r, 1);
        trace_line(c, ret, err, r);
        crash(r);
    }
    trace_line(c, ret, err, NULL);
}

void sf_after_int(struct sf_call *c, long ret)
{
    int saved = errno;
    char text[32];
    struct sf_buf b = {text, sizeof(text), 0};
    sf_put_dec(&b, ret);
    after_common(c, text, ret == -1 ? saved : 0);
    errno = saved;
}

void sf_after_ptr(struct sf_call *c, const void *ret, int failed)
{
    int saved = errno;
    char text[32];
    struct sf_buf b = {text, sizeof(text), 0};
    sf_putc(&b, '"');
    sf_put_hex(&b, (unsigned long)(uintptr_t)ret, 0);
    sf_putc(&b, '"');
    after_common(c, text, failed ? saved : 0);
    errno = saved;
}

static void arg_name(struct sf_call *c, struct sf_buf *b, const char *name)
{
    if (c->alen > 0)
        sf_putc(b, ' ');
    sf_put(b, name);
    sf_putc(b, '=');
}

void sf_arg_dec(struct sf_call *c, const char *name, long v)
{
    struct sf_buf b = {c->args, sizeof(c->args), c->alen};
    arg_name(c, &b, name);
    sf_put_dec(&b, v);
    c->alen = b.len;
}

void sf_arg_hex(struct sf_call *c, const char *name, unsigned long v)
{
    struct sf_buf b = {c->args, sizeof(c->args), c->alen};
    arg_name(c, &b, name);
    sf_put_hex(&b, v, 0);
    c->alen = b.len;
}

void sf_arg_str(struct sf_call *c, const char *name, const char *s)
{
    char text[128];
    struct sf_buf b = {c->args, sizeof(c->args), c->alen};
    arg_name(c, &b, name);
    if (s == NULL)
        sf_put(&b, "(null)");
    else if (sf_peek_str(text, sizeof(text), s) < 0)
        sf_put(&b, "(bad address)");
    else
        sf_put(&b, text);
    c->alen = b.len;
}

/* ---- the program's memory, read without trusting it -------------------------------------- */

int sf_peek(void *dst, const void *src, size_t n)
{
    struct iovec local = {dst, n}, remote = {(void *)(uintptr_t)src, n};
    int saved = errno;
    /* the pid now, not the cached one: a child the atfork handlers did not see must not read
     * its parent's memory */
    long got = syscall(SYS_process_vm_readv, syscall(SYS_getpid), &local, 1UL, &remote, 1UL, 0UL);
    errno = saved;
    return got == (long)n ? 0 : -1;
}

int sf_peek_str(char *buf, size_t size, const char *s)
{
    size_t got = 0;
    buf[0] = '\0';
    while (got + 1 < size) {
        /* one page at a time: the string may end just before an unmapped page */
        uintptr_t at = (uintptr_t)s + got;
        size_t chunk = 4096 - (at & 4095);
        if (chunk > size - 1 - got)
            chunk = size - 1 - got;
        if (sf_peek(buf + got, s + got, chunk) != 0) {
            buf[0] = '\0';
            return -1;
        }
        if (memchr(buf + got, '\0', chunk) != NULL)
            return 0;
        got += chunk;
    }
    buf[size - 1] = '\0';
    return 1;
}

/* ---- public API: rules ------------------------------------------------------------------- */

/* This process's own counts: its calls, its rules' matches, its draws. */
static void reset_own_counters(void)
{
    memset(sf_fn_calls, 0, sizeof(sf_fn_calls));
    calls_total = calls_at_injection = failed_total = 0;
    for (unsigned i = 0; i < sf_rules.n; i++)
        sf_rules.r[i].seen = 0;
    draws = 0;
}

static void reset_counters(void)
{
    reset_own_counters();
    if (sf_shared == NULL)
        return;
    __atomic_store_n(&sf_shared->injections, 0UL, __ATOMIC_RELAXED);
    memset(sf_shared->fired, 0, sizeof(sf_shared->fired));
    memset(sf_shared->tree_seen, 0, sizeof(sf_shared->tree_seen));
    memset(sf_shared->tree_calls, 0, sizeof(sf_shared->tree_calls));
    for (unsigned i = 0; i < SF_LAST_SLOTS; i++)
        for (unsigned k = 0; k < 5; k++)
            __atomic_store_n(&sf_shared->last[i].w[k], 0UL, __ATOMIC_RELAXED);
}

static int install(const char *spec, struct shmfault_error *err, int append, int own)
{
    sf_init();
    if (append) {
        scratch = sf_rules;
    } else {
        scratch.n = 0;
    }
    if (sf_parse(spec, &scratch, err) != 0)
        return -1;
    sf_depth++; /* dl_iterate_phdr: what it calls is the layer's, not the program's */
    sf_rules_resolve_callers(&scratch);
    sf_depth--;
    sf_rules = scratch;
    if (own)
        reset_own_counters();
    else
        reset_counters();
    return 0;
}

int shmfault_rules_set(const char *spec, struct shmfault_error *err)
{
    return install(spec, err, 0, 0);
}

int shmfault_rules_set_own(const char *spec, struct shmfault_error *err)
{
    return install(spec, err, 0, 1);
}

int shmfault_rules_add(const char *spec, struct shmfault_error *err)
{
    return install(spec, err, 1, 0);
}

int shmfault_rules_check(const char *spec, struct shmfault_error *err)
{
    static struct sf_ruleset check;
    check.n = 0;
    return sf_parse(spec, &check, err);
}

void shmfault_rules_clear(void)
{
    sf_rules.n = 0;
    memset(sf_rules.nbyfn, 0, sizeof(sf_rules.nbyfn));
    memset(sf_rules.needcls, 0, sizeof(sf_rules.needcls));
}

unsigned shmfault_rule_count(void)
{
    return sf_rules.n;
}

/* ---- public API: window, counters -------------------------------------------------------- */

void shmfault_arm(void)
{
    sf_init();
    __atomic_store_n(&sf_armed_flag, 1, __ATOMIC_RELAXED);
    if (sf_shared != NULL)
        __atomic_store_n(&sf_shared->armed_once, 1, __ATOMIC_RELAXED);
    sf_gate_update();
}

void shmfault_disarm(void)
{
    __atomic_store_n(&sf_armed_flag, 0, __ATOMIC_RELAXED);
    sf_gate_update();
}

int shmfault_armed(void)
{
    return __atomic_load_n(&sf_armed_flag, __ATOMIC_RELAXED);
}

void shmfault_reset(void)
{
    sf_init();
    reset_counters();
    sf_ledger_clear();
}

void shmfault_reset_own(void)
{
    sf_init();
    reset_own_counters();
}

void shmfault_seed(uint64_t s)
{
    seed = s;
    draws = 0;
}

unsigned long shmfault_fired(unsigned rule)
{
    if (sf_shared == NULL || rule >= SF_MAX_RULES)
        return 0;
    return __atomic_load_n(&sf_shared->fired[rule], __ATOMIC_RELAXED);
}

unsigned long shmfault_injections(void)
{
    return sf_shared ? __atomic_load_n(&sf_shared->injections, __ATOMIC_RELAXED) : 0;
}

unsigned long shmfault_calls(unsigned function)
{
    return function < SF_NFN ? __atomic_load_n(&sf_fn_calls[function], __ATOMIC_RELAXED) : 0;
}

unsigned long shmfault_calls_after_injection(void)
{
    unsigned long at = __atomic_load_n(&calls_at_injection, __ATOMIC_RELAXED);
    return at == 0 ? 0 : __atomic_load_n(&calls_total, __ATOMIC_RELAXED) - at;
}

unsigned long shmfault_failures(void)
{
    return __atomic_load_n(&failed_total, __ATOMIC_RELAXED);
}

/* The newest complete record: a slot whose words carry different tags (being written, its
 * writer killed, two writers) is skipped. Never waits. */
int shmfault_last_injection(struct shmfault_injection *out)
{
    unsigned long best[5] = {0};
    int have = 0;
    if (sf_shared == NULL)
        return -1;
    unsigned long got[SF_LAST_SLOTS][5];
    for (unsigned i = 0; i < SF_LAST_SLOTS; i++)
        for (unsigned k = 0; k < 5; k++)
            got[i][k] = __atomic_load_n(&sf_shared->last[i].w[k], __ATOMIC_RELAXED);
    /* read after the slots: every tag seen is at most NOW (in 32-bit arithmetic) */
    uint32_t now = (uint32_t)__atomic_load_n(&sf_shared->injections, __ATOMIC_RELAXED);
    uint32_t best_age = UINT32_MAX;
    for (unsigned i = 0; i < SF_LAST_SLOTS; i++) {
        uint32_t tag = (uint32_t)(got[i][0] >> 32);
        int whole = tag != 0;
        for (unsigned k = 1; k < 5 && whole; k++)
            whole = (uint32_t)(got[i][k] >> 32) == tag;
        if (!whole || (uint32_t)(now - tag) >= best_age)
            continue;
        best_age = (uint32_t)(now - tag);
        memcpy(best, got[i], sizeof(best));
        have = 1;
    }
    if (!have)
        return -1;
    if (out) {
        uint32_t f = (uint32_t)best[0];
        out->function = (int)(f & 0xffu);
        out->action = (enum shmfault_action)((f >> 8) & 0xffu);
        out->after_call = (int)((f >> 16) & 0xffu);
        out->rule = (f >> 24) & 0xffu;
        out->value = (int)(uint32_t)best[1];
        out->pid = (pid_t)(uint32_t)best[2];
        out->call_number = (best[3] & 0xffffffffUL) | (best[4] & 0xffffffffUL) << 32;
    }
    return 0;
}

/* ---- rules that never fired ---------------------------------------------------------------- */

/* RULE as it could have been written (canonical spelling): for the unfired report. */
static void rule_text(struct sf_buf *b, const struct sf_rule *r)
{
    sf_put(b, sf_functions[r->fn].name);
    if (r->cls >= 0) {
        sf_putc(b, '(');
        sf_put(b, sf_classes[r->cls].name);
        sf_putc(b, ')');
    }
    switch (r->when) {
    case SF_WHEN_ALWAYS: break;
    case SF_WHEN_NTH: sf_putc(b, '@'); sf_put_udec(b, r->n); break;
    case SF_WHEN_FROM: sf_putc(b, '@'); sf_put_udec(b, r->n); sf_putc(b, '+'); break;
    case SF_WHEN_EVERY: sf_putc(b, '%'); sf_put_udec(b, r->n); break;
    case SF_WHEN_RANGE:
        sf_putc(b, '@'); sf_put_udec(b, r->n); sf_putc(b, '-'); sf_put_udec(b, r->m); break;
    case SF_WHEN_PROB:
        if (r->prob_all) {
            sf_put(b, "p1");
        } else {
            /* the threshold back to 9 decimals, trailing zeros dropped */
            unsigned long v = (unsigned long)(((unsigned __int128)r->prob * 1000000000u +
                                               ((unsigned __int128)1 << 63)) >> 64);
            char d[10];
            int last = 8;
            for (int i = 8; i >= 0; i--, v /= 10)
                d[i] = (char)('0' + v % 10);
            while (last > 0 && d[last] == '0')
                last--;
            sf_put(b, "p0.");
            sf_putn(b, d, (size_t)last + 1);
        }
        break;
    }
    sf_putc(b, '=');
    if (r->act == SHMFAULT_ACT_ERRNO && r->forced)
        sf_putc(b, '!');
    action_name(b, r);
    if (r->after)
        sf_put(b, ",after");
    if (r->times) {
        sf_put(b, ",times=");
        sf_put_udec(b, r->times);
    }
    if (r->proc != SF_PROC_ALL)
        sf_put(b, r->proc == SF_PROC_FIRST ? ",proc=first" : ",proc=children");
    if (r->tree)
        sf_put(b, ",count=tree");
    if (r->has_caller && r->caller[0] == '\1') { /* image=NAME is kept behind a \1 marker */
        sf_put(b, ",image=");
        sf_put(b, r->caller + 1);
    } else if (r->has_caller) {
        sf_put(b, ",caller=");
        sf_put(b, r->caller);
    }
    if (r->run) {
        sf_put(b, ",run=");
        sf_put_udec(b, r->run);
    }
}

/* What "called" means for the functions that are fault points only on shared memory. */
static const char *never_called_text(unsigned fn)
{
    switch (fn) {
    case SF_FN_ftruncate: return " was never called on a shm_open/memfd_create descriptor";
    case SF_FN_mmap: return " was never called with MAP_SHARED";
    case SF_FN_munmap: return " was never called on a MAP_SHARED mapping";
    default: return " was never called";
    }
}

/*
 * Is this image started by a process that has the layer too (a program exec'd by a preloaded
 * shell, a fork server's cell)? Then the tree began above us and its first image speaks for it:
 * an exec'd command that never calls FN says nothing. Read from /proc/PPID/maps (our own
 * object's file name); unreadable means no.
 */
static int parent_has_layer(void)
{
    Dl_info info;
    char path[64], buf[4096 + 256];
    struct sf_buf b = {path, sizeof(path), 0};
    if (dladdr((void *)parent_has_layer, &info) == 0 || info.dli_fname == NULL)
        return 0;
    const char *name = strrchr(info.dli_fname, '/');
    name = name ? name + 1 : info.dli_fname;
    size_t nlen = strlen(name);
    if (nlen == 0 || nlen >= 256)
        return 0;
    sf_put(&b, "/proc/");
    sf_put_dec(&b, (long)getppid());
    sf_put(&b, "/maps");
    int saved = errno;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int found = 0;
    size_t keep = 0;
    while (fd >= 0 && !found) {
        ssize_t n = read(fd, buf + keep, sizeof(buf) - 1 - keep);
        if (n <= 0)
            break;
        size_t have = keep + (size_t)n;
        buf[have] = '\0';
        found = memmem(buf, have, name, nlen) != NULL;
        /* a name split over two reads: carry the tail over */
        keep = have < nlen ? have : nlen - 1;
        memmove(buf, buf + have - keep, keep);
    }
    if (fd >= 0)
        close(fd);
    errno = saved;
    return found;
}

/*
 * Did any process of this tree make a process the tree cannot see into? A forked child may
 * exec (its new image counts its own calls), and posix_spawn/system/vfork children run no
 * atfork handler: the root's waited-for children show in RUSAGE_CHILDREN, its live ones in
 * waitid (WNOWAIT: nothing is reaped).
 */
static int tree_made_processes(void)
{
    struct rusage ru;
    siginfo_t si;
    int saved = errno;
    int made = __atomic_load_n(&sf_shared->forked, __ATOMIC_RELAXED) ||
               (getrusage(RUSAGE_CHILDREN, &ru) == 0 && ru.ru_maxrss > 0) ||
               waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0;
    errno = saved;
    return made;
}

/*
 * Only what is certain: the rule did not fire and no process of this tree made an armed call
 * of its function. A rule whose function was called but whose call number, class or filter
 * never matched is not reported (the program may simply have taken another path); nothing is
 * said when the tree was never armed (SHMFAULT_ARM=never asks for no faults), nor when it made
 * other processes (an exec'd image counts its calls in its own area, out of our sight) or began
 * above us (parent_has_layer).
 */
unsigned sf_report_unfired(int fd)
{
    unsigned lines = 0;
    int asked = 0; /* parent_has_layer, once and only when there is something to say */
    if (sf_shared == NULL || !__atomic_load_n(&sf_shared->armed_once, __ATOMIC_RELAXED))
        return 0;
    for (unsigned i = 0; i < sf_rules.n; i++) {
        const struct sf_rule *r = &sf_rules.r[i];
        if (__atomic_load_n(&sf_shared->fired[i], __ATOMIC_RELAXED) != 0 ||
            __atomic_load_n(&sf_shared->tree_calls[r->fn], __ATOMIC_RELAXED) != 0)
            continue;
        if (!asked && (parent_has_layer() || tree_made_processes()))
            return 0;
        asked = 1;
        char line[512];
        struct sf_buf b = {line, sizeof(line) - 1, 0};
        sf_put(&b, "shmfault: rule ");
        sf_put_udec(&b, i);
        sf_put(&b, " '");
        rule_text(&b, r);
        sf_put(&b, "' never fired: ");
        sf_put(&b, sf_functions[r->fn].name);
        sf_put(&b, never_called_text(r->fn));
        line[b.len++] = '\n';
        sf_write_all(fd, line, b.len);
        lines++;
    }
    return lines;
}
