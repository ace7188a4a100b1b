/*
 * program_decode.c - any byte string -> a valid program. Each field takes one byte and is
 * reduced into range, so no input is rejected (the engines waste nothing) and the reader never
 * goes past the end: missing bytes read as 0. Inputs without the magic are bodies of the current
 * version, because the engines mutate the magic away and a saved crash must replay as it ran.
 * Older versions stay here, one function per difference, so saved corpora keep their meaning.
 */
#include <string.h>

#include "fault_names.h"
#include "shmfault.h"
#include "shmfuzz/program.h"

struct reader {
    const uint8_t *p, *end;
};

static unsigned next(struct reader *r)
{
    return r->p < r->end ? *r->p++ : 0u;
}

static size_t left(const struct reader *r)
{
    return (size_t)(r->end - r->p);
}

/* v1 has no process header bits: one byte, 1..4 processes. v2 adds the "forked" bit. */
static void decode_procs(struct reader *r, unsigned version, struct sfz_program *prog)
{
    unsigned b = next(r);
    prog->nprocs = (uint8_t)(1u + (b & 3u));
    prog->forked = version >= 2 ? (uint8_t)((b >> 2) & 1u) : 0;
}

/* v1 faults are 3 bytes and armed everywhere; v2 adds an options byte (after, which process);
   v3 reads the action byte among the function's realistic errnos only (fault_plan.c). */
static void decode_fault(struct reader *r, unsigned version, struct sfz_program *prog)
{
    unsigned fn = next(r), when = next(r), action = next(r);
    unsigned opts = version >= 2 ? next(r) : prog->nprocs * 16u;
    unsigned nfn = sfz_fault_function_count();
    if (nfn == 0)
        return; /* built without libshmfault: no fault can be armed */
    struct sfz_fault *f = &prog->faults[prog->nfaults++];
    f->function = (uint8_t)(fn % nfn);
    f->nth = (uint8_t)(1u + (when & 7u));
    f->from_on = (uint8_t)((when >> 3) & 1u);
    f->action = sfz_fault_action_decode(f->function, version, action);
    unsigned proc = (opts >> 4) % (prog->nprocs + 1u);
    f->proc = (uint8_t)(proc == prog->nprocs ? SFZ_ALL_PROCS : proc);
    unsigned crash = 0;
    /* "after" only means something for crashes: keep the form canonical */
    f->after = (uint8_t)(sfz_fault_is_crash(f, &crash) ? opts & 1u : 0u);
}

static uint32_t decode_arg(const struct sfz_arg *a, unsigned b, unsigned nprocs)
{
    switch (a->kind) {
    case SFZ_ARG_SLOT: return b % SFZ_SLOTS;
    case SFZ_ARG_SIZE: return sfz_size_value(b % sfz_size_count());
    case SFZ_ARG_OFFSET: return sfz_offset_value(b % sfz_offset_count());
    case SFZ_ARG_CHOICE: return a->nchoices ? b % a->nchoices : 0;
    case SFZ_ARG_BYTE: return b;
    case SFZ_ARG_PROC: return b % nprocs;
    }
    return 0;
}

/* Op bytes below SFZ_BUILTIN_BYTE select an adapter op, the rest a built-in: appending ops to
   either table keeps the meaning of canonical inputs. A byte past the built-ins is reduced
   modulo the first two (peer.poke, proc.exit), not their current number: built-ins appended
   later (peer.inside, 0xf2) take one byte each, and 0xf3..0xff keep their meaning. */
#define FIRST_BUILTINS 2u
static unsigned decode_op_index(const struct sfz_opset *set, unsigned b)
{
    unsigned nadapter = set->adapter->nops, nbuiltin = set->nops - nadapter;
    if ((b < SFZ_BUILTIN_BYTE && nadapter > 0) || nbuiltin == 0)
        return b % nadapter;
    unsigned i = b >= SFZ_BUILTIN_BYTE ? b - SFZ_BUILTIN_BYTE : b;
    return nadapter + (i < nbuiltin ? i : i % (nbuiltin < FIRST_BUILTINS ? nbuiltin : FIRST_BUILTINS));
}

static void decode_ops(const struct sfz_opset *set, struct reader *r, struct sfz_program *prog)
{
    while (left(r) >= 2 && prog->nops < SFZ_MAX_OPS) {
        struct sfz_step *s = &prog->ops[prog->nops++];
        memset(s, 0, sizeof(*s));
        s->proc = (uint8_t)(next(r) % prog->nprocs);
        s->op = (uint8_t)decode_op_index(set, next(r));
        const struct sfz_op *op = sfz_opset_op(set, s->op);
        for (unsigned i = 0; i < op->nargs && i < SFZ_MAX_ARGS; i++)
            s->argv[i] = decode_arg(&op->args[i], next(r), prog->nprocs);
    }
}

static void decode_body(const struct sfz_opset *set, struct reader *r, unsigned version,
                        struct sfz_program *prog)
{
    decode_procs(r, version, prog);
    unsigned nfaults = next(r) % (SFZ_MAX_FAULTS + 1u);
    for (unsigned i = 0; i < nfaults; i++)
        decode_fault(r, version, prog);
    decode_ops(set, r, prog);
}

static void empty_program(struct sfz_program *prog, unsigned version)
{
    memset(prog, 0, sizeof(*prog));
    prog->version = (uint8_t)version;
    prog->nprocs = 1;
}

int sfz_decode(const struct sfz_opset *set, const uint8_t *data, size_t size,
               struct sfz_program *prog)
{
    struct reader r = {data, data + size};
    unsigned version = SFZ_FORMAT_VERSION;
    if (size >= SFZ_MAGIC_LEN + 1 && memcmp(data, SFZ_MAGIC, SFZ_MAGIC_LEN) == 0) {
        version = data[SFZ_MAGIC_LEN];
        r.p += SFZ_MAGIC_LEN + 1;
        if (version < 1 || version > SFZ_FORMAT_VERSION) {
            empty_program(prog, version);
            return SFZ_DECODE_BAD_VERSION;
        }
    }
    empty_program(prog, version);
    decode_body(set, &r, version, prog);
    return SFZ_DECODE_OK;
}
