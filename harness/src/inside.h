/*
 * inside.h - the hostile peer inside a call (x86-64 Linux only). While an adapter op runs with
 * the mechanism active, this process's mappings of the program's shared objects are PROT_NONE;
 * every access faults, is counted and recorded, and is single-stepped with the trap flag before
 * the page is protected again. peer.inside makes the peer write at the A-th access of the next
 * op; the lint reports two reads of the same shared bytes from two instructions in one op.
 * Process-shared futex calls on protected words are performed by the layer with the pages
 * open (a seccomp filter and a SIGSYS handler, from a process's first arming on).
 * Everything else runs untouched: the cost is paid only by ops that ask for it.
 */
#ifndef SFZ_INSIDE_H
#define SFZ_INSIDE_H

#include <stddef.h>
#include <stdint.h>

/* Once per process (sfz_exec_init): SHMFUZZ_INSIDE (lint, trace) and SHMFUZZ_INSIDE_SUPPRESS.
   0, or -1 with a one-line ERR for a bad value or an unreadable suppression file. */
int sfz_inside_init(char *err, size_t size);
/* At an input's begin in a worker: no plan left from the last input. */
void sfz_inside_reset(void);
/* Whether the next adapter op must run protected (a plan is pending, or lint mode): one load. */
extern int sfz_inside_wanted;
/* Around one adapter op (faults disarmed): protect, then restore and report. OP names it in
   lint lines. */
void sfz_inside_arm(void);
void sfz_inside_disarm(const char *op, int op_errno);

/* The function of the ELF file PATH that holds address VADDR (as linked), from its .symtab:
   0 with NAME and *OFF set, or -1 (symtab.c). Not for signal handlers. */
int sfz_symtab_function(const char *path, uint64_t vaddr, char *name, size_t name_size,
                        uint64_t *off);

/* Built-in op table entry (builtin_ops.c lists it). */
struct sfz_ctx;
int sfz_inside_op(struct sfz_ctx *ctx, const uint32_t *argv);
extern const char *const sfz_inside_at_names[];
#define SFZ_INSIDE_MAX_AT 32u

#endif /* SFZ_INSIDE_H */
