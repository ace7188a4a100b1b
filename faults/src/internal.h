/*
 * internal.h - private interface between libshmfault's parts: the function table, the rule
 * set, the process-tree shared area, the hot-path entry points the interposers call, ledger
 * and trace. Everything here has the sf_ prefix and hidden visibility; only libc's names and
 * shmfault_* leave the shared object (shmfault.map).
 */
#ifndef SHMFAULT_INTERNAL_H
#define SHMFAULT_INTERNAL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/types.h>

#include "shmfault.h"

#define SF_HIDDEN __attribute__((visibility("hidden")))
#define SF_LIKELY(x) __builtin_expect(!!(x), 1)
#define SF_UNLIKELY(x) __builtin_expect(!!(x), 0)
/* The interposer's return address: what caller= rules and the ledger's site= refer to. */
#define SF_CALLER ((uintptr_t)__builtin_return_address(0))
/* initial-exec: no __tls_get_addr (which may allocate) on the hot path; fine for preload/static */
#define SF_TLS __thread __attribute__((tls_model("initial-exec")))

/* ---- the function table (functions.def) ------------------------------------------------ */

enum sf_fail { SF_FAIL_MINUS1, SF_FAIL_VOIDM1, SF_FAIL_MAP_FAILED, SF_FAIL_SEM_FAILED };
enum sf_effect {
    SF_EFF_NONE,
    SF_EFF_CREATE_SYSV_SHM,
    SF_EFF_CREATE_SYSV_SEM,
    SF_EFF_CREATE_POSIX_SHM,
    SF_EFF_CREATE_POSIX_SEM,
    SF_EFF_REMOVE_SYSV_SHM,
    SF_EFF_REMOVE_SYSV_SEM,
    SF_EFF_REMOVE_POSIX_SHM,
    SF_EFF_REMOVE_POSIX_SEM
};

enum sf_fn {
#define SF_FN(name, fail, effect, args, errs) SF_FN_##name,
#include "functions.def"
#undef SF_FN
    SF_NFN
};

struct sf_function {
    const char *name;
    enum sf_fail fail;
    enum sf_effect effect;
    const char *args;
    const int *errs;
    unsigned nerrs;
};
extern const struct sf_function sf_functions[SF_NFN] SF_HIDDEN;

/* An argument class a rule can select: matches when (argument & mask) == value. */
struct sf_class {
    unsigned fn;
    const char *name;
    unsigned long mask, value;
};
extern const struct sf_class sf_classes[] SF_HIDDEN;
extern const unsigned sf_nclasses SF_HIDDEN;

int sf_errno_documented(unsigned fn, int err) SF_HIDDEN;

/* ---- rules ------------------------------------------------------------------------------- */

#define SF_MAX_RULES 64
#define SF_MAX_RANGES 8

enum sf_when { SF_WHEN_ALWAYS, SF_WHEN_NTH, SF_WHEN_FROM, SF_WHEN_EVERY, SF_WHEN_RANGE, SF_WHEN_PROB };
enum sf_proc { SF_PROC_ALL, SF_PROC_FIRST, SF_PROC_CHILDREN };

struct sf_rule {
    unsigned fn;
    int cls;                     /* index into sf_classes, -1 for every call */
    enum sf_when when;
    unsigned long n, m;          /* @N, @N+, %N, @N-M */
    uint64_t prob;               /* pP: fires when the draw is below; UINT64_MAX and p1 = always */
    int prob_all;                /* p1 */
    enum shmfault_action act;
    int value;                   /* errno, signal or exit status */
    int forced;                  /* !ERRNO */
    int after;
    unsigned long times;         /* 0 = no limit */
    enum sf_proc proc;
    int tree;                    /* count=tree */
    int filtered;                /* class/proc/caller: the rule counts its own calls */
    unsigned nranges;            /* caller=: address ranges of matching objects */
    int has_caller;
    uintptr_t lo[SF_MAX_RANGES], hi[SF_MAX_RANGES];
    char caller[64];
    unsigned long run;           /* run=N: only the N-th process of image= (runs.c); 0 any */
    unsigned long seen;          /* calls this rule looked at in this process */
};

struct sf_ruleset {
    unsigned n;
    struct sf_rule r[SF_MAX_RULES];
    unsigned char nbyfn[SF_NFN];
    unsigned char byfn[SF_NFN][SF_MAX_RULES];
    unsigned char needcls[SF_NFN]; /* a rule of this function has a class: compute it */
};

/* Parse SPEC into SET (appending after SET->n rules); 0 or -1 with *err filled. */
int sf_parse(const char *spec, struct sf_ruleset *set, struct shmfault_error *err) SF_HIDDEN;
/* Resolve caller= address ranges of every rule in SET (dl_iterate_phdr, once per set). */
void sf_rules_resolve_callers(struct sf_ruleset *set) SF_HIDDEN;
unsigned sf_closest_function(const char *name, size_t len) SF_HIDDEN;
unsigned sf_distance(const char *a, size_t la, const char *b) SF_HIDDEN;

/* ---- process state and the shared area ------------------------------------------------- */

#define SF_LEDGER_MAX 512

struct sf_ledger_entry {
    int state;                   /* 0 free/being written, 1 live, 2 removed */
    struct shmfault_object obj;
    unsigned long size;
};

/*
 * The last injections, kill-safe (docs/faults.md, "Killed processes"): a record takes the
 * ticket of its injection (the injections counter) and slot ticket % SF_LAST_SLOTS, and writes
 * its fields as words that each carry the ticket's low 32 bits. A reader accepts a slot only
 * when all its words carry the same tag (one writer wrote them all) and takes the newest; a
 * writer killed half-way, or two writers on one slot, leave a slot that is skipped until it is
 * written again. Nothing to claim, nothing to wait for.
 */
#define SF_LAST_SLOTS 16
struct sf_last_slot {
    unsigned long w[5]; /* tag<<32 | fn,action,after,rule / value / pid / call lo / call hi */
};

/* Lives in a MAP_SHARED|MAP_ANONYMOUS area made at load: seen by the whole process tree. */
struct sf_shared {
    unsigned long injections;
    unsigned long fired[SF_MAX_RULES];
    unsigned long tree_seen[SF_MAX_RULES];
    unsigned long tree_calls[SF_NFN]; /* non-zero once the tree made an armed call of it */
    pid_t root;
    int armed_once;               /* some process of the tree armed (sf_report_unfired) */
    int forked;                   /* some process of the tree forked (its child may exec) */
    struct sf_last_slot last[SF_LAST_SLOTS];
    unsigned nledger;
    unsigned long ledger_dropped;
    struct sf_ledger_entry ledger[SF_LEDGER_MAX];
};

extern struct sf_shared *sf_shared SF_HIDDEN;
extern struct sf_ruleset sf_rules SF_HIDDEN;
extern int sf_gate SF_HIDDEN;       /* armed or trace-all: the interposers' one fast check */
extern int sf_armed_flag SF_HIDDEN;
extern int sf_observe SF_HIDDEN;    /* ledger records creations/removals */
extern int sf_trace_all SF_HIDDEN;
extern int sf_trace_fd SF_HIDDEN;
extern pid_t sf_pid SF_HIDDEN;      /* cached getpid(), updated in forked children */
extern int sf_afl_shm_id[2] SF_HIDDEN;
extern char sf_afl_shm_name[2][64] SF_HIDDEN;
extern unsigned long sf_fn_calls[SF_NFN] SF_HIDDEN;
extern SF_TLS int sf_depth SF_HIDDEN;

void sf_init(void) SF_HIDDEN;
void sf_gate_update(void) SF_HIDDEN;
void *sf_resolve(unsigned fn) SF_HIDDEN;
extern void *sf_real_ptr[SF_NFN] SF_HIDDEN;

static inline void *sf_real(unsigned fn)
{
    void *p = __atomic_load_n(&sf_real_ptr[fn], __ATOMIC_RELAXED);
    return SF_LIKELY(p != NULL) ? p : sf_resolve(fn);
}

/* ---- one intercepted call: the skeleton every interposer follows ---------------------------
 * interpose.c generates the interposers from signatures.def with SF_SKELETON; interpose_odd.c
 * writes the few odd ones (variadic, fork) by hand with the same macro, so the guard, the
 * trace and the bookkeeping order are the same everywhere:
 *   resolve the real function -> skip (not a fault point) -> pre -> sf_enter (one relaxed load
 *   when nothing is armed) -> trace arguments -> sf_before (may inject) -> real call -> post
 *   (bookkeeping, armed or not) -> sf_after (trace line, crash-after).
 */

enum sf_verdict { SF_PASS = 0, SF_WATCH, SF_INJECT };

struct sf_call {
    unsigned fn;
    int tracing;
    int rule;                 /* rule that fires, -1 none */
    unsigned long call;       /* per-process armed call number, 0 when disarmed */
    uintptr_t caller;
    size_t alen;
    char args[200];
    signed char would_sleep; /* semop/semtimedop, traced: 1/0, -1 not known (eintr.c) */
};

/*
 * sf_enter: 0 = pass straight through (nothing to do after the real call either);
 * 1 = the call is watched: fill args if c->tracing, then sf_before (may fail it) and sf_after.
 */
int sf_enter_slow(struct sf_call *c, unsigned fn, unsigned long cls, uintptr_t caller) SF_HIDDEN;
extern int sf_count_all SF_HIDDEN; /* linked, or SHMFAULT_COUNT: count calls with no rule too */
static inline int sf_gate_open(void)
{
    return __atomic_load_n(&sf_gate, __ATOMIC_RELAXED) != 0;
}
static inline int sf_enter(struct sf_call *c, unsigned fn, unsigned long cls, uintptr_t caller)
{
    if (SF_LIKELY(!sf_gate_open()))
        return 0;
    /* armed, but nothing to decide, count or trace for this function: straight through */
    if (SF_LIKELY(sf_rules.nbyfn[fn] == 0 && !sf_count_all && sf_trace_fd < 0))
        return 0;
    return sf_enter_slow(c, fn, cls, caller);
}
/* A call of FN that is never a fault point (AFL++'s own objects) was still made: the unfired
 * report must not say FN was never called. */
void sf_note_call(unsigned fn) SF_HIDDEN;
/* An armed call of this process failed for real (no injection): shmfault_failures counts it. */
void sf_note_failed(void) SF_HIDDEN;
/* Non-zero: the call must not be made; errno is set and the failure value is to be returned. */
int sf_before(struct sf_call *c) SF_HIDDEN;
/* After the real call: trace line, crash-after. FAILED: the real call failed (errno is its). */
void sf_after_int(struct sf_call *c, long ret) SF_HIDDEN;
void sf_after_ptr(struct sf_call *c, const void *ret, int failed) SF_HIDDEN;

void sf_arg_dec(struct sf_call *c, const char *name, long v) SF_HIDDEN;
void sf_arg_hex(struct sf_call *c, const char *name, unsigned long v) SF_HIDDEN;
/* S is the program's pointer: read without faulting (sf_peek_str), "(bad address)" if not. */
void sf_arg_str(struct sf_call *c, const char *name, const char *s) SF_HIDDEN;

/* Each row's failure kind (functions.def), as a constant the skeleton can use. */
enum {
#define SF_FN(name, fail, effect, args, errs) SF_FAILKIND_##name = fail,
#include "functions.def"
#undef SF_FN
};
/* What an interposer of NAME returns when it fails (-1, (void *)-1 = MAP_FAILED, SEM_FAILED). */
#define SF_FAILURE(ret, name)                                                                  \
    ((ret)(intptr_t)(SF_FAILKIND_##name == (int)SF_FAIL_SEM_FAILED ? 0 : -1))

/* Traced arguments: the key is the parameter's name (functions.def's args column). */
#define SF_DEC(x) sf_arg_dec(&c, #x, (long)(x))
#define SF_HEX(x) sf_arg_hex(&c, #x, (unsigned long)(unsigned)(x))
#define SF_PTR(x) sf_arg_hex(&c, #x, (unsigned long)(uintptr_t)(x))
#define SF_STR(x) sf_arg_str(&c, #x, (x))

/* The trace line of a result: a number, or a pointer (failed when it is the failure value). */
#define SF_DONE(cp, r, failure)                                                                \
    _Generic((r), int: sf_after_int((cp), (long)(intptr_t)(r)),                                \
             default: sf_after_ptr((cp), (const void *)(uintptr_t)(r), (r) == (failure)))

/*
 * The skeleton, from sf_enter on (the caller resolved the real function, handled skip and
 * computed pre). FN: the row; RET: the return type; FAILURE: its failure value; REAL_CALL: the
 * real call (an expression); CLS: the class value; TRACE: statements filling c's arguments; POST:
 * bookkeeping statements after the real call (sf_ret is its result). Returns from the
 * enclosing function.
 */
#define SF_SKELETON(fn, ret, failure, real_call, cls, trace, post)                            \
    do {                                                                                       \
        struct sf_call c;                                                                      \
        ret sf_ret;                                                                            \
        c.call = 0;                                                                            \
        if (!sf_enter(&c, (fn), (unsigned long)(cls), SF_CALLER)) {                            \
            sf_ret = (real_call);                                                              \
            post;                                                                              \
            if (SF_UNLIKELY(sf_ret == (failure)) && c.call != 0)                               \
                sf_note_failed();                                                              \
            return sf_ret;                                                                     \
        }                                                                                      \
        if (c.tracing) {                                                                       \
            trace;                                                                             \
        }                                                                                      \
        if (sf_before(&c))                                                                     \
            return (failure);                                                                  \
        sf_ret = (real_call);                                                                  \
        post;                                                                                  \
        if (SF_UNLIKELY(sf_ret == (failure)) && c.call != 0)                                   \
            sf_note_failed();                                                                  \
        SF_DONE(&c, sf_ret, failure);                                                          \
        return sf_ret;                                                                         \
    } while (0)

/* Reading the program's memory before the kernel validated it (process_vm_readv on this
 * process: a bad pointer gives an error, never SIGSEGV). sf_peek: 0 when all N bytes were read.
 * sf_peek_str: 0 a whole string (NUL included) fit in BUF, 1 truncated, -1 unreadable (BUF ""). */
int sf_peek(void *dst, const void *src, size_t n) SF_HIDDEN;
int sf_peek_str(char *buf, size_t size, const char *s) SF_HIDDEN;

/* eintr.c, traced calls only: a signal handler is installed in this process (1/0); the
 * operations SOPS of SEMID would sleep now (1), proceed or fail at once (0), not known (-1). */
int sf_has_handler(void) SF_HIDDEN;
struct sembuf;
int sf_sem_would_sleep(int semid, const struct sembuf *sops, size_t nsops) SF_HIDDEN;

/* At exit of the root process: one line on FD per rule that never fired because the tree
 * never made an armed call of its function. Returns the number of lines. */
unsigned sf_report_unfired(int fd) SF_HIDDEN;

/* ---- small formatter (no stdio in the fault layer) --------------------------------------- */

struct sf_buf {
    char *p;
    size_t size, len;
};
void sf_put(struct sf_buf *b, const char *s) SF_HIDDEN;
void sf_putn(struct sf_buf *b, const char *s, size_t n) SF_HIDDEN;
void sf_putc(struct sf_buf *b, char ch) SF_HIDDEN;
void sf_put_dec(struct sf_buf *b, long v) SF_HIDDEN;
void sf_put_udec(struct sf_buf *b, unsigned long v) SF_HIDDEN;
void sf_put_hex(struct sf_buf *b, unsigned long v, int width) SF_HIDDEN;
void sf_put_json(struct sf_buf *b, const char *s) SF_HIDDEN; /* quoted, escaped */
void sf_write_all(int fd, const char *p, size_t n) SF_HIDDEN;

/* ---- ledger ------------------------------------------------------------------------------ */

void sf_ledger_create(enum shmfault_object_kind kind, long id, long key, const char *name,
                      unsigned long size, uintptr_t site) SF_HIDDEN;
void sf_ledger_remove(enum shmfault_object_kind kind, long id, const char *name) SF_HIDDEN;
void sf_ledger_clear(void) SF_HIDDEN;
/* Does the POSIX object NAME (shm or sem) exist in /dev/shm now? */
int sf_posix_exists(enum shmfault_object_kind kind, const char *name) SF_HIDDEN;
/* Suppression patterns (SHMFAULT_SUPPRESSIONS), text kept by the loader. */
int sf_suppressions_load(const char *path) SF_HIDDEN;

/* Bookkeeping shared by generated and hand-written interposers (interpose.c). */
/* O_CREAT without O_EXCL: was the POSIX object NAME (the program's pointer, read safely)
 * absent just before the call? 0 when there is nothing to probe. */
int sf_probe_posix_absent(enum shmfault_object_kind kind, const char *name, int oflag) SF_HIDDEN;
/* A successful IPC_RMID removes the object from the ledger (shmctl, semctl). */
static inline void sf_note_rmid(enum shmfault_object_kind kind, int ret, int cmd, int id)
{
    if (ret == 0 && cmd == IPC_RMID)
        sf_ledger_remove(kind, id, NULL);
}

/* ---- fds and mappings that are shm (ftruncate and munmap fault points) ------------------- */

void sf_shmfd_mark(int fd) SF_HIDDEN;
int sf_shmfd_is(int fd) SF_HIDDEN;
void sf_map_note(void *addr) SF_HIDDEN;
int sf_map_forget(void *addr) SF_HIDDEN; /* 1 if ADDR was a MAP_SHARED mapping we saw */
int sf_map_known(void *addr) SF_HIDDEN;
extern unsigned sf_nmaps SF_HIDDEN; /* upper bound of the set's used slots */
static inline int sf_maps_seen(void)
{
    return __atomic_load_n(&sf_nmaps, __ATOMIC_RELAXED) != 0;
}

/* ---- owned output descriptors (outfd.c) -------------------------------------------------- */

#define SF_PATH_MAX 4096           /* PATH_MAX: longer output paths are refused, not truncated */
enum { SF_SLOT_TRACE = 0, SF_SLOT_LEDGER = 1, SF_SLOT_STDERR = 2, SF_SLOT_RUNS = 3 };

struct sf_outfd {
    int fd;                        /* owned descriptor, -1 none */
    int slot;                      /* top of the table - slot: where it lives across exec */
    int cloexec;
    int warned;
    int owned;                     /* 0: the caller's descriptor (C API), never closed here */
    int create;                    /* reopen with O_CREAT (not for a copy of stderr) */
    dev_t dev;
    ino_t ino;
    const char *what;              /* "SHMFAULT_TRACE" in a warning */
    char path[SF_PATH_MAX];        /* "" when it cannot be reopened (stderr as a pipe) */
};

/* Open PATH (O_APPEND|O_NOFOLLOW, 0644, never truncated) owned high; 0 or -1 with errno. */
int sf_outfd_open(struct sf_outfd *o, const char *path, int slot, int cloexec) SF_HIDDEN;
/* A private copy of descriptor FROM (close-on-exec), dropped if it is ever taken. */
int sf_outfd_dup(struct sf_outfd *o, int from, int slot) SF_HIDDEN;
/* A descriptor the caller owns (C API): remembered by dev+ino, never moved or reopened. */
void sf_outfd_adopt_fd(struct sf_outfd *o, int fd) SF_HIDDEN;
/* The checked descriptor: still the file it was opened on, or reopened, or -1 (dropped). */
int sf_outfd_get(struct sf_outfd *o) SF_HIDDEN;
int sf_outfd_write(struct sf_outfd *o, const char *p, size_t n) SF_HIDDEN;
void sf_outfd_close(struct sf_outfd *o) SF_HIDDEN;
/* The descriptor number of SLOT (top of the table - SLOT), -1 when the table has under 64. */
int sf_outfd_slot_number(int slot) SF_HIDDEN;
/* The layer's own stderr: a copy made at load that survives the program closing fd 2. */
void sf_outfd_keep_stderr(void) SF_HIDDEN;
/* Under Valgrind, names the process after its program as the kernel would natively. */
void sf_native_name(void) SF_HIDDEN;
struct sf_outfd *sf_outfd_stderr(void) SF_HIDDEN;
void sf_outfd_warn(const char *what, const char *msg) SF_HIDDEN;
void sf_outfd_say(const char *p, size_t n) SF_HIDDEN; /* on the layer's own stderr */
/* The checked trace write (trace.c): whole line in one write(2), or nothing. */
void sf_trace_write(const char *p, size_t n) SF_HIDDEN;

/* ---- the environment, edited without libc's setenv (environ.c) ---------------------------- */

void sf_env_remove(const char *name) SF_HIDDEN;
/* ENTRY is "NAME=VALUE" in storage that lives as long as the process. 0 or -1. */
int sf_env_put(char *entry) SF_HIDDEN;

/* ---- fork -------------------------------------------------------------------------------- */

void sf_after_fork_child(void) SF_HIDDEN;
void sf_trace_reopen(void) SF_HIDDEN;
int sf_trace_open(const char *pattern) SF_HIDDEN;
/* A fork server's cell: this process becomes the root of a new tree, as if just exec'd
   (pid, shared area, generator); the settings are then read again from the environment. */
void sf_tree_restart(void) SF_HIDDEN;

/* ---- runs of an image (runs.c) ---------------------------------------------------------- */

/* Which run of its image this process is (1 = the first process of the tree, in order of
   exec, with this command name); 0 when not numbered. Inherited by a fork. */
extern unsigned long sf_run_no SF_HIDDEN;
/* This run started while an earlier run of its image was alive: its number is the order of
   exec the scheduler chose (the trace says so; enumerate does not number such an image). */
extern int sf_run_overlap SF_HIDDEN;
/* At load (LD_PRELOAD, after the settings and rules): adopt the tree's count from its
   descriptor slot, or make one when a rule has run= or a trace is on, take this process's
   number and resolve the run= rules. FRESH: a fork server's cell, the first of a new tree. */
void sf_runs_load(int fresh) SF_HIDDEN;

/* ---- LD_PRELOAD build only --------------------------------------------------------------- */

/* "shmfault: A B C" on stderr, exit status 2 (a setting the user gave cannot be honoured). */
__attribute__((noreturn)) void sf_die(const char *a, const char *b, const char *c) SF_HIDDEN;
/* SHMFAULT_FORKSERVER (forkserver.c): serve cells; returns 1 in a cell's process, 0 at once in
   a process that only inherited the variable (not PID 1: it is removed and ignored). */
int sf_forkserver_serve(const char *fdspec) SF_HIDDEN;

/* Every interposer file defines its marker: referencing them pulls every interposer object out
 * of libshmfault.a even when a sanitizer runtime already resolved the libc name weakly. */
extern const int sf_family_interpose, sf_family_interpose_odd;

#endif /* SHMFAULT_INTERNAL_H */
