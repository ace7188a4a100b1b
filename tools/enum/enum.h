/*
 * enum.h - the parts of shmfault-enum (tools/shmfault-enum.c): what one run of a cell left
 * behind (its trace, the deaths of every process of its tree and which were still running at
 * the end, the objects it left and who created them, or a harness replay's verdict), the two cell runners, and the one judge that turns either into an
 * outcome (docs/cli.md "enumerate: the matrix").
 */
#ifndef SFZ_ENUM_H
#define SFZ_ENUM_H

#include <stddef.h>
#include <sys/types.h>

#define ENUM_MAX_LEFT 64
#define ENUM_MAX_DEATHS 128
#define ENUM_MAX_INJECTED 16
#define ENUM_COMM 16

/* One process of a cell's tree that ended (the kernel's accounting record, tools/enum/deaths.c). */
struct death {
    long pid;
    char comm[ENUM_COMM + 1];
    int sig;          /* the signal that ended it, 0 if it exited */
    int code;         /* its exit status when sig == 0 */
    int at_cleanup;   /* still running when the cell ended (after the main process and the
                         grace, or at the time box), so killed by the server */
    int forked;       /* a fork that never exec'd (AFORK): a rule reaches it with proc=children */
    int outlived;     /* it ended after the cell's main process (by itself or killed at the end) */
};

/* One injection the trace shows. */
struct injected {
    long pid;
    int fn;
    int sig;          /* the injected crash's signal, 0 for an errno */
    int err;          /* the injected errno, 0 for a crash */
    int retried;      /* errno: the same process made the same call on the same object again,
                         and it succeeded (1); or, after EEXIST, opened that key or name (2) */
    unsigned long cls; /* the class value of the call it landed on (enum_class_of) */
};

/* What one run of a cell produced, read back from its directory. */
struct run {
    char dir[1024];
    int timed_out;
    int sig;          /* the main process's fatal signal, 0 if it exited */
    int code;         /* its exit status */
    int status;       /* the status column: exit status, 128+signal, 124 timed out */
    unsigned ninj;
    struct injected inj[ENUM_MAX_INJECTED];
    int said_why;     /* something on stderr */
    char first_err[96];
    char err_text[4096]; /* the start of stderr, to compare with the clean runs' */
    char out_text[4096]; /* the start of stdout: programs that print their errors there */
    unsigned nleft;
    char left[ENUM_MAX_LEFT][160];
    long left_creator[ENUM_MAX_LEFT];  /* the pid whose call created left[i], 0 if unknown */
    unsigned char left_faulted[ENUM_MAX_LEFT]; /* that process got an injected errno after it
                                                  created left[i] */
    unsigned ndeaths;
    struct death deaths[ENUM_MAX_DEATHS];
    long main_pid;
    int replay;          /* a replay cell (replay_runner.c): judged by the harness's verdict */
    char verdict[512];   /* its "verdict:" line without the prefix, "" if it printed none */
};

/* shmfault-enum.c: a fatal set-up error (message, exit 2). */
__attribute__((noreturn, format(printf, 1, 2))) void enum_die(const char *fmt, ...);
/* shmfault-enum.c: DIR emptied (or made) with its scratch directory DIR/cwd, for a cell. */
void enum_fresh_dir(const char *dir);

/* A cell runner. It has slots; a slot runs one cell at a time: send starts the cell (RULE ""
   is the clean run) in directory DIR, the slot's fd becomes readable when it is done, collect
   reads what it left into a struct run for the judge. The fork-server runner (black box) is in
   shmfault-enum.c; replay_runner.c runs harness inputs through the target's replay driver. */
struct enum_runner {
    unsigned (*slots)(void);
    void (*send)(unsigned slot, const char *dir, const char *rule);
    int (*fd)(unsigned slot);
    void (*collect)(unsigned slot, struct run *r);
};

/* replay_runner.c: decodes INPUT with REPLAY once (RUNS/program.txt), JOBS slots. */
void enum_replay_start(const char *replay, const char *input, const char *runs, unsigned timeout_s,
                       unsigned jobs);
extern const struct enum_runner enum_replay_runner;

/* deaths.c: the accounting records of one cell, read from the server's file at OFFSET. */
void enum_read_deaths(struct run *r, const char *acct_file, long offset);
const struct death *enum_death_of(const struct run *r, long pid);
/* deaths.c: marks the processes the server's ALIVE_FILE lists ("PID COMM" a line: still running
   when the cell ended, then killed) at_cleanup, and no other; no file leaves the guess. */
void enum_read_alive(struct run *r, const char *alive_file);
/* 1 if SIG is one a process dies of by its own fault (SIGSEGV, SIGBUS, SIGABRT, ...). */
int enum_crash_signal(int sig);

/* trace.c */
/* The value of KEY= in the "args" of a trace LINE, as a number; DEF if absent. */
unsigned long enum_arg_num(const char *line, const char *key, unsigned long def);
/* Field "fn" of LINE as a function index, or -1. */
int enum_line_fn(const char *line);
/* The injections of R's trace, with whether each injected errno was truly retried. */
void enum_scan_trace(struct run *r);
/* The text of KEY= in the "args" of LINE into BUF: 0, or -1 if absent or too long. */
int enum_arg_str(const char *line, const char *key, char *buf, size_t size);
/* The integer result of LINE's call (-1 for failures and pointer results). */
long enum_ret(const char *line);
/* The class value of a call (what realistic.def's rows are keyed by) from its trace LINE. */
unsigned long enum_class_of(int fn, const char *line);

/* owners.c: who created each object R left (left_creator, left_faulted), from its trace. */
void enum_read_owners(struct run *r);

/* runs.c: which images the clean runs BASE tell apart by run number (an image run more than
   once, one run after another, the same way in every clean run); warns about the others. */
void enum_runs_scan(const struct run *const *base, unsigned nbase);
/* The run number a point on LINE (a call by a process of IMAGE) gets: 0 when IMAGE is not
   numbered. */
unsigned long enum_run_of(const char *image, const char *line);
/* The "run" of a trace LINE (which run of its image the calling process is), 0 if none. */
unsigned long enum_line_run(const char *line);

/* eintr.c: 1 if trace LINE (a call of FN) shows EINTR could not happen there: no signal handler
   (sem_wait family) or an operation that would not sleep (semop family); 0 when not judged. */
int enum_no_eintr(int fn, const char *line);
/* ERRS without EINTR when NO_EINTR; returns the new count. */
unsigned enum_drop_eintr(int *errs, unsigned n, int no_eintr);

/* suppress.c: objects (lines of "left") a suppressions file says not to report. */
int enum_suppressions_load(const char *path, char *why, size_t size);
int enum_suppressed(const char *left_line);

/* judge.c */
enum kind { KIND_NONE, KIND_ERRNO, KIND_CRASH };
struct verdict_ctx {
    unsigned timeout_s;
    const struct run *const *base; /* the clean runs */
    unsigned nbase;
    enum kind kind;
    int fn;            /* the faulted function, -1 for none */
    unsigned long cls; /* the faulted call's class value */
};
const char *enum_judge(const struct verdict_ctx *x, const struct run *r, char *why, size_t size);
/* Does a clean run judged OUTCOME make the matrix meaningless (enumerate stops, exit 2)? */
int enum_clean_failed(const struct run *r, const char *outcome);

#endif
