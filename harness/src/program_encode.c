/*
 * program_encode.c - a program -> its canonical binary form (magic, version, every field as the
 * index the decoder maps back to itself). decode(encode(p)) == p for every program the decoder
 * or the text parser produces; the round-trip tests hold both directions to it. The version is
 * the newest (3) unless a fault names an errno that is not realistic for its function: only v2
 * can say that (a person wrote it in the text form, or an old input had it), so it gets v2.
 */
#include <string.h>

#include "shmfuzz/program.h"

struct writer {
    uint8_t *p, *end;
    int overflow;
};

static void put(struct writer *w, unsigned b)
{
    if (w->p < w->end)
        *w->p++ = (uint8_t)b;
    else
        w->overflow = 1;
}

/* The byte the decoder turns into VALUE for argument A, or -1 if no byte does. */
static int encode_arg(const struct sfz_arg *a, uint32_t value)
{
    switch (a->kind) {
    case SFZ_ARG_SIZE: return sfz_size_index(value);
    case SFZ_ARG_OFFSET: return sfz_offset_index(value);
    case SFZ_ARG_SLOT:
    case SFZ_ARG_CHOICE:
    case SFZ_ARG_BYTE:
    case SFZ_ARG_PROC: return value <= 255 ? (int)value : -1;
    }
    return -1;
}

static unsigned encode_op_index(const struct sfz_opset *set, unsigned op)
{
    unsigned nadapter = set->adapter->nops;
    return op < nadapter ? op : SFZ_BUILTIN_BYTE + (op - nadapter);
}

static void encode_fault(struct writer *w, unsigned version, const struct sfz_program *prog,
                         const struct sfz_fault *f)
{
    put(w, f->function);
    put(w, (f->nth - 1u) | (f->from_on ? 8u : 0u));
    put(w, (unsigned)sfz_fault_action_encode(f, version));
    unsigned proc = f->proc == SFZ_ALL_PROCS ? prog->nprocs : f->proc;
    put(w, (proc << 4) | (f->after ? 1u : 0u));
}

static int encode_step(const struct sfz_opset *set, struct writer *w, const struct sfz_step *s)
{
    const struct sfz_op *op = sfz_opset_op(set, s->op);
    if (op == NULL)
        return -1;
    put(w, s->proc);
    put(w, encode_op_index(set, s->op));
    for (unsigned i = 0; i < op->nargs && i < SFZ_MAX_ARGS; i++) {
        int b = encode_arg(&op->args[i], s->argv[i]);
        if (b < 0)
            return -1;
        put(w, (unsigned)b);
    }
    return 0;
}

/* The newest version that can say every fault of PROG. */
static unsigned encode_version(const struct sfz_program *prog)
{
    for (unsigned i = 0; i < prog->nfaults; i++)
        if (!sfz_fault_realistic(&prog->faults[i]))
            return 2;
    return SFZ_FORMAT_VERSION;
}

long sfz_encode(const struct sfz_opset *set, const struct sfz_program *prog, uint8_t *out,
                size_t size)
{
    struct writer w = {out, out + size, 0};
    for (unsigned i = 0; i < SFZ_MAGIC_LEN; i++)
        put(&w, (unsigned char)SFZ_MAGIC[i]);
    unsigned version = encode_version(prog);
    put(&w, version);
    put(&w, (prog->nprocs - 1u) | (prog->forked ? 4u : 0u));
    put(&w, prog->nfaults);
    for (unsigned i = 0; i < prog->nfaults; i++)
        encode_fault(&w, version, prog, &prog->faults[i]);
    for (unsigned i = 0; i < prog->nops; i++)
        if (encode_step(set, &w, &prog->ops[i]) != 0)
            return -1;
    return w.overflow ? -1 : (long)(w.p - out);
}
