/*
 * shmfuzz/exec.h - run a program and judge it. The executor runs the ops in the encoded order,
 * in the engine's own process when the program allows it (one process, nothing that can crash
 * or block) and otherwise in forked worker processes kept alive across inputs; the oracles then
 * decide whether what happened is a finding (docs/harness.md).
 */
#ifndef SHMFUZZ_EXEC_H
#define SHMFUZZ_EXEC_H

#include "shmfuzz/program.h"

enum sfz_finding_kind {
    SFZ_FIND_NONE = 0,
    SFZ_FIND_CRASH,
    SFZ_FIND_LEAK_IPC,
    SFZ_FIND_LEAK_HEAP, /* reported by LeakSanitizer / Valgrind, never by the executor itself */
    SFZ_FIND_BAD_ERROR,
    SFZ_FIND_HANG,
    SFZ_FIND_DATA,
    SFZ_FIND_FD_LEAK
};
/* "crash", "leak-ipc", ... */
const char *sfz_finding_name(enum sfz_finding_kind kind);

/* What became of one scheduled op. */
enum sfz_fate {
    SFZ_FATE_RAN = 0,     /* status / err say how it went */
    SFZ_FATE_GONE,        /* its worker had died earlier in the program: not run */
    SFZ_FATE_DIED,        /* its worker died during it (planned or not, see the finding) */
    SFZ_FATE_HUNG         /* it did not return within the op timeout */
};
struct sfz_op_result {
    uint8_t fate;
    uint8_t status;   /* enum sfz_status when RAN */
    uint8_t injected; /* a fault fired during the op in its worker */
    int err;          /* errno after a FAILED op */
    int wstatus;      /* waitpid status when DIED */
};
struct sfz_result {
    enum sfz_finding_kind kind;
    char why[256];    /* one line */
    int finding_op;   /* index of the op that produced the finding, -1 if after the ops */
    int inprocess;    /* ran in the engine's process */
    struct sfz_op_result ops[SFZ_MAX_OPS];
};

struct sfz_exec_options {
    unsigned op_timeout_ms; /* an op that takes longer is a hang; 0: default (1000 ms) */
    int always_fork;        /* never run in the engine's process (tests, benchmarks) */
    int isolate;            /* replay: run even in-process programs in a forked worker, with
                               in-process semantics, so a crash still ends in a verdict */
};

/* Prepare for ADAPTER (private namespaces, shared areas). Safe to call again: no-op. Returns 0,
   or -1 with a one-line reason in ERR when the harness itself cannot work. */
int sfz_exec_init(const struct sfz_adapter *adapter, const struct sfz_exec_options *opt,
                  char *err, size_t err_size);
/* Start now the process that forks the workers (exec_zygote.c), after sfz_exec_init: a worker
   is a copy of the executor as it was then, so engines call this before their own tables grow
   (libFuzzer's LLVMFuzzerInitialize). Otherwise it starts when the first worker is needed. */
void sfz_exec_prefork(void);
/* Run PROG and fill *RES; returns RES->kind. Nothing the program created survives the call. */
enum sfz_finding_kind sfz_exec_run(const struct sfz_opset *set, const struct sfz_program *prog,
                                   struct sfz_result *res);
/* "killed by SIGSEGV" / "exited with status 1" for a waitpid status. */
void sfz_death_describe(int wstatus, char *buf, size_t size);

/* Stop the workers (replay end; engines just exit). */
void sfz_exec_shutdown(void);

#endif /* SHMFUZZ_EXEC_H */
