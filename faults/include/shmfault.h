/*
 * shmfault.h - public C API of libshmfault, the fault layer for shared-memory IPC calls.
 *
 * The same library works two ways:
 *   - LD_PRELOAD=libshmfault.so PROGRAM: rules come from SHMFAULT_* environment variables
 *     (docs/faults.md); nothing here needs to be called.
 *   - linked into a harness (libshmfault-api.a or .so, `pkg-config shmfuzz`): the harness sets
 *     rules, arms the fault window around the code under test, and reads back what fired and
 *     what leaked. This library reads no environment variable at all: a set-id program that
 *     links it cannot be steered by its caller's SHMFAULT_* settings.
 * Both paths go through the same rule parser (shmfault_rules_set).
 *
 * Conventions: functions return 0 / a count on success and -1 on failure; they never print and
 * never exit. Every function here is safe to call before or without any rule.
 */
#ifndef SHMFAULT_H
#define SHMFAULT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Version 2 (ABI change from 1): struct shmfault_error gained rule, rule_pos and rule_len;
 * struct shmfault_object's name holds a whole POSIX name (SHMFAULT_NAME_MAX). A program built
 * against one version must run with a library of the same: compare shmfault_api_version().
 */
#define SHMFAULT_API_VERSION 2
/* The API version of the library actually loaded (SHMFAULT_API_VERSION when they match). */
int shmfault_api_version(void);

/* ---- rules ------------------------------------------------------------------------------ */

/* Why a rule spec was refused: the byte offset into the spec and a one-line reason. */
struct shmfault_error {
    int pos;       /* 0-based offset of the offending character in the spec, -1 if none */
    char msg[200]; /* e.g. "shmat cannot fail with ENOENT (documented: EACCES EIDRM EINVAL ENOMEM)" */
    /* since API version 2: which rule (1-based, 0 if none) and where it starts/its length
     * in the spec, so a caller can quote the rule in its own message */
    int rule;
    int rule_pos;
    int rule_len;
};

/*
 * Replace the active rule set with SPEC: rules separated by ';' or newlines, '#' comments.
 * Short form FUNCTION@N=ERRNO ("shmat@2=ENOMEM"); the full grammar is in docs/faults.md.
 * On a bad spec returns -1, fills *err (may be NULL) and leaves the active set unchanged.
 * Resets call counters and fired counts.
 */
int shmfault_rules_set(const char *spec, struct shmfault_error *err);
/* The same, but only this process's counters are reset (its call counts and its rules'
 * matches); what the process tree shares (fired counts, injections, the tree's counts, the last
 * injection, the ledger) is left alone: for a process joining a run whose shared counts another
 * process reset with shmfault_reset. Added within API version 2 (a new function). */
int shmfault_rules_set_own(const char *spec, struct shmfault_error *err);
/* Append rules to the active set (same grammar, same all-or-nothing behaviour). */
int shmfault_rules_add(const char *spec, struct shmfault_error *err);
/* Parse and validate only; the active set is not touched. */
int shmfault_rules_check(const char *spec, struct shmfault_error *err);
/* Remove every rule. */
void shmfault_rules_clear(void);
/* Number of active rules. */
unsigned shmfault_rule_count(void);

/* ---- the fault window ------------------------------------------------------------------- */

/*
 * Faults fire only while armed. A linked harness arms around the code under test; under
 * LD_PRELOAD the library arms itself when main() starts (SHMFAULT_ARM=main, the default) so
 * the runtime's and the fuzzing engine's own calls before main are never touched. Calls made
 * while disarmed are passed through and not counted.
 */
void shmfault_arm(void);
void shmfault_disarm(void);
int shmfault_armed(void);

/*
 * Zero call counters, fired counts and the ledger for a new run (a new fuzz input).
 * Rules and the seed stay. Call while disarmed.
 */
void shmfault_reset(void);
/* Zero this process's own call counters only (see shmfault_rules_set_own). */
void shmfault_reset_own(void);

/* Seed of the library's own generator (probability rules); never touches rand()/random(). */
void shmfault_seed(uint64_t seed);

/* ---- did it fire? ----------------------------------------------------------------------- */

/*
 * Times rule I (0-based, in the order given) injected its fault since the last reset.
 * Counted across fork: the figure includes injections in child processes.
 */
unsigned long shmfault_fired(unsigned rule);
/* Total injections since the last reset, across fork. */
unsigned long shmfault_injections(void);

/* Armed calls of function I made by this process since the last reset (as the rules count them). */
unsigned long shmfault_calls(unsigned function);
/* Armed calls of any function this process made after its own newest injection (0 when it
   injected nothing since the last reset): whether the code asked the kernel anything after a
   failure, not before it. Added within API version 2 (a new function; nothing else changed). */
unsigned long shmfault_calls_after_injection(void);
/* Armed calls this process made since the last reset that failed for real: the kernel's own
   failures, not injected ones (a semop on a set a peer removed). Tells an op's earlier failure
   from a query's first answer. Added within API version 2 (a new function). */
unsigned long shmfault_failures(void);

/* What the most recent injection did (in any process of the tree). */
enum shmfault_action {
    SHMFAULT_ACT_NONE = 0,
    SHMFAULT_ACT_ERRNO,   /* returned the call's failure value with errno set */
    SHMFAULT_ACT_SIGNAL,  /* raised a signal (SIGKILL, SIGSEGV, SIGBUS, SIGABRT via abort) */
    SHMFAULT_ACT_EXIT     /* _exit(n) */
};
struct shmfault_injection {
    int function;               /* index into the function table, see shmfault_function_name */
    enum shmfault_action action;
    int value;                  /* errno, signal number or exit status */
    int after_call;             /* crash placed after the real call (1) or before it (0) */
    pid_t pid;                  /* process that injected */
    unsigned long call_number;  /* the function's call count when it fired (1-based) */
    unsigned rule;              /* which rule fired */
};
/* 0 and fills *out with the newest complete record if anything fired since the last reset, -1
   otherwise. A record whose process was killed while writing it is skipped (never waited for),
   so -1 is possible after an injection in a tree where processes are being killed. */
int shmfault_last_injection(struct shmfault_injection *out);

/* ---- the table of intercepted functions ------------------------------------------------- */

/* Number of intercepted functions; indexes 0..n-1 are stable within one build. */
unsigned shmfault_function_count(void);
/* Name of function I ("shmget"), or NULL if I is out of range. */
const char *shmfault_function_name(unsigned i);
/* Index of NAME, or -1. */
int shmfault_function_lookup(const char *name);
/* 1 if function I is one through which code removes IPC objects (shmctl, semctl, shm_unlink,
   sem_unlink: the table's object effect), 0 otherwise or out of range. */
int shmfault_function_removes(unsigned i);
/* The errnos function I documents (Linux man pages); returns their count, *list points at them. */
unsigned shmfault_function_errnos(unsigned i, const int **list);
/* "ENOMEM" for ENOMEM; NULL for a value this library does not know. */
const char *shmfault_errno_name(int err);
/* ENOMEM for "ENOMEM"; -1 if unknown. */
int shmfault_errno_lookup(const char *name);

/* ---- ledger of IPC objects -------------------------------------------------------------- */

enum shmfault_object_kind {
    SHMFAULT_OBJ_SYSV_SHM = 0, /* shmget id */
    SHMFAULT_OBJ_SYSV_SEM,     /* semget id */
    SHMFAULT_OBJ_POSIX_SHM,    /* shm_open name */
    SHMFAULT_OBJ_POSIX_SEM     /* sem_open name */
};
/* "/" + NAME_MAX (255) + NUL: any name shm_open or sem_open accepts, never cut short */
#define SHMFAULT_NAME_MAX 257
struct shmfault_object {
    enum shmfault_object_kind kind;
    long id;             /* SysV id, -1 for POSIX objects */
    long key;            /* SysV key (IPC_PRIVATE = 0), -1 for POSIX objects */
    char name[SHMFAULT_NAME_MAX]; /* POSIX name ("/ring"), "" for SysV */
    pid_t creator;       /* process that created it */
    uintptr_t site;      /* return address of the creating call */
};
/*
 * Objects created since the last reset (by any process of the tree) that are neither removed
 * nor marked for removal. Writes at most MAX into OUT and returns how many there are in all.
 */
size_t shmfault_ledger_live(struct shmfault_object *out, size_t max);
/* Write the leak report (format in docs/faults.md) to FD; returns the number of leaks. */
size_t shmfault_ledger_report(int fd);

/* ---- trace ------------------------------------------------------------------------------ */

/* Send one JSON line per intercepted call to FD (-1 stops tracing). */
void shmfault_trace_fd(int fd);

/* ---- realistic errnos (faults/src/realistic.def, docs/faults.md) ------------------------- */

/*
 * The errnos a VALID call of function I can get from the kernel on a live object, for a call
 * of class value CLS (what class rules match: shmctl/semctl cmd, semop/shmget/semget/shmat/
 * mmap/memfd_create flags, shm_open/sem_open oflag; 0 otherwise). PEER non-zero adds those
 * that mean a peer removed the object. Writes at most MAX into OUT; returns how many there are.
 */
unsigned shmfault_errnos_realistic(unsigned i, unsigned long cls, int peer, int *out,
                                   unsigned max);
/* The union over every class of call of function I (a rule or fault plan armed for the
   function as a whole, whatever the arguments): each errno once. Same contract as above. */
unsigned shmfault_errnos_realistic_union(unsigned i, int peer, int *out, unsigned max);
/* The name of CLS's row for function I ("IPC_RMID", "blocking"), NULL out of range. */
const char *shmfault_errnos_class(unsigned i, unsigned long cls);

#ifdef __cplusplus
}
#endif
#endif /* SHMFAULT_H */
