/*
 * shmfuzz/program.h - a fuzz input as a program: fault plan, processes, and a schedule of ops.
 *
 * Two forms of the same program (docs/program-format.md):
 *   - binary: what the engines mutate. Every byte string decodes to some valid program, bounded
 *     in size, never read past its end. Optional magic "SFZ" + version byte in front.
 *   - text: one line per fault and per op, for people. Canonical text and canonical binary
 *     round-trip exactly.
 * The op table a program indexes is the adapter's ops followed by the executor's built-in ops
 * (struct sfz_opset), so one decoder serves every target.
 */
#ifndef SHMFUZZ_PROGRAM_H
#define SHMFUZZ_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "shmfuzz/adapter.h"

#define SFZ_FORMAT_VERSION 3   /* the newest: what the encoder writes unless a fault needs v2
                                  (a non-realistic errno); every older version still decodes */
#define SFZ_MAGIC "SFZ"        /* followed by one version byte */
#define SFZ_MAGIC_LEN 3
#define SFZ_MAX_OPS 64         /* ops per program: past it the rest of the input is ignored */
#define SFZ_MAX_FAULTS 4       /* fault rules per program */
#define SFZ_ALL_PROCS 0xffu    /* a fault rule armed in every worker */
#define SFZ_BUILTIN_BYTE 0xf0u /* op bytes from here on select a built-in op */

/* The crash actions a fault can take besides returning an errno (libshmfault's grammar). */
enum sfz_crash {
    SFZ_CRASH_SIGKILL,
    SFZ_CRASH_SIGSEGV,
    SFZ_CRASH_SIGBUS,
    SFZ_CRASH_ABORT,
    SFZ_CRASH_EXIT0,
    SFZ_CRASH_EXIT1,
    SFZ_NCRASH
};

/* One fault rule: FUNCTION@N[+]=ACTION[,after] armed in worker PROC (or all). */
struct sfz_fault {
    uint8_t function; /* index into libshmfault's function table */
    uint8_t nth;      /* 1..8: which call */
    uint8_t from_on;  /* 1: that call and every later one ("N+") */
    uint8_t action;   /* < nerrnos: the function's documented errno of that index;
                         else crash kind (action - nerrnos), see enum sfz_crash. In memory
                         every version says it this way; only the byte differs (v3 indexes
                         the realistic errnos, sfz_fault_action_decode/_encode) */
    uint8_t after;    /* crash after the real call rather than before */
    uint8_t proc;     /* worker index, or SFZ_ALL_PROCS */
};

/* One scheduled op: worker PROC runs op OP of the opset with arguments ARGV. */
struct sfz_step {
    uint8_t proc;
    uint8_t op;                  /* index into the opset (adapter ops, then built-ins) */
    uint32_t argv[SFZ_MAX_ARGS]; /* values as the op receives them (sizes in bytes) */
};

struct sfz_program {
    uint8_t version; /* format version it was decoded from */
    uint8_t nprocs;  /* 1..SFZ_MAX_PROCS */
    uint8_t forked;  /* run even a single process in a forked worker */
    uint8_t nfaults;
    struct sfz_fault faults[SFZ_MAX_FAULTS];
    uint8_t nops;
    struct sfz_step ops[SFZ_MAX_OPS];
};

/* The ops a program can name: an adapter's ops, then the executor's built-in ops. */
struct sfz_opset {
    const struct sfz_adapter *adapter;
    unsigned nops; /* adapter->nops + built-ins */
};
void sfz_opset_init(struct sfz_opset *set, const struct sfz_adapter *adapter);
const struct sfz_op *sfz_opset_op(const struct sfz_opset *set, unsigned i);

/* The tables SIZE and OFFSET arguments draw from (page = 4096 on every Linux target here). */
unsigned sfz_size_count(void);
uint32_t sfz_size_value(unsigned i);
unsigned sfz_offset_count(void);
uint32_t sfz_offset_value(unsigned i);
/* Index of VALUE in the table, or -1. */
int sfz_size_index(uint32_t value);
int sfz_offset_index(uint32_t value);

/* Number of actions (errnos + crashes) an action byte of format VERSION selects among for
   function FN, 0 if FN is unknown: v1/v2 every documented errno, v3 only the realistic ones
   (the union of realistic and peer errnos over the function's classes of call). */
unsigned sfz_fault_action_count(unsigned fn, unsigned version);
/* The in-memory action (above) of FN's I-th action in format VERSION's list (I < count: the
   errnos, then the crashes). */
uint8_t sfz_fault_action_nth(unsigned fn, unsigned version, unsigned i);
/* The in-memory action that action byte BYTE of format VERSION means for FN. Every version
   takes r = BYTE % (documented errnos + 6): v1/v2 the r-th action; v3 the same crash when r
   names one, else the (r % k)-th of FN's k realistic errnos (a crash, r % 6, when k is 0). */
uint8_t sfz_fault_action_decode(unsigned fn, unsigned version, unsigned byte);
/* The canonical action byte of F in format VERSION, or -1 when VERSION cannot say it (v3 and a
   documented errno that is not realistic for the function). */
int sfz_fault_action_encode(const struct sfz_fault *f, unsigned version);
/* 1 when F is a crash or an errno realistic for its function (what v3 can encode). */
int sfz_fault_realistic(const struct sfz_fault *f);
/* Functions a fault plan can name: libshmfault's first SFZ_FAULT_FUNCTIONS rows. The table only
   grows at its end; freezing the count keeps every saved input's fault bytes meaning the same
   function (a row appended later is reachable from rules, not from programs). */
#define SFZ_FAULT_FUNCTIONS 23u
unsigned sfz_fault_function_count(void);
/* The fault as libshmfault's rule string ("shmat@2=ENOMEM", "shmget@1+=SIGKILL,after"). */
int sfz_fault_rule(const struct sfz_fault *f, char *buf, size_t size);

/* Status of a decode. */
enum sfz_decode_status {
    SFZ_DECODE_OK = 0,
    SFZ_DECODE_BAD_VERSION = 1 /* magic present, version unknown: *prog is the empty program */
};
/* Decode DATA (any bytes) into *PROG. Never fails except on an unknown version behind the magic. */
int sfz_decode(const struct sfz_opset *set, const uint8_t *data, size_t size,
               struct sfz_program *prog);
/* Canonical binary form (magic + current version). Returns the length, or -1 if it does not fit
   in SIZE or the program holds a value no table has. */
long sfz_encode(const struct sfz_opset *set, const struct sfz_program *prog, uint8_t *out,
                size_t size);
/* Largest canonical encoding. */
#define SFZ_ENCODED_MAX (SFZ_MAGIC_LEN + 1 + 2 + SFZ_MAX_FAULTS * 4 + SFZ_MAX_OPS * (2 + SFZ_MAX_ARGS))

/* Text form of the whole program; returns the length (snprintf semantics: may exceed SIZE). */
size_t sfz_program_print(const struct sfz_opset *set, const struct sfz_program *prog, char *buf,
                         size_t size);
/* One op as in the text form ("p1 shmat slot=0 flags=rdonly"). */
size_t sfz_step_print(const struct sfz_opset *set, const struct sfz_step *step, char *buf,
                      size_t size);
/* Parse the text form. On error returns -1 with *line (1-based) and a one-line ERR. */
int sfz_program_parse(const struct sfz_opset *set, const char *text, size_t len,
                      struct sfz_program *prog, unsigned *line, char *err, size_t err_size);
/* Whether DATA looks like the text form (printable, first word a text-form keyword). */
int sfz_is_text(const uint8_t *data, size_t size);

#endif /* SHMFUZZ_PROGRAM_H */
