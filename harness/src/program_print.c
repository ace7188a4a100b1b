/*
 * program_print.c - a program -> its text form, one line per fault and per op:
 *     procs 2
 *     fault p1 shmat@1=ENOMEM
 *     p0 shmget slot=0 key=slot size=4096 flags=creat
 * Values print as the op receives them (sizes in bytes, choices by name), so a person reads the
 * program, and the parser (program_parse.c) reads back exactly this.
 */
#include <stdarg.h>
#include <stdio.h>

#include "fault_names.h"
#include "shmfuzz/program.h"

struct out {
    char *buf;
    size_t size, len;
};

static void emit(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void emit(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

static void emit_arg(struct out *o, const struct sfz_arg *a, uint32_t v)
{
    if (a->kind == SFZ_ARG_CHOICE && v < a->nchoices)
        emit(o, " %s=%s", a->name, a->choices[v]);
    else if (a->kind == SFZ_ARG_PROC)
        emit(o, " %s=p%u", a->name, v);
    else
        emit(o, " %s=%u", a->name, v);
}

static void emit_step(struct out *o, const struct sfz_opset *set, const struct sfz_step *s)
{
    const struct sfz_op *op = sfz_opset_op(set, s->op);
    emit(o, "p%u %s", s->proc, op ? op->name : "?");
    for (unsigned i = 0; op && i < op->nargs && i < SFZ_MAX_ARGS; i++)
        emit_arg(o, &op->args[i], s->argv[i]);
}

size_t sfz_step_print(const struct sfz_opset *set, const struct sfz_step *step, char *buf,
                      size_t size)
{
    struct out o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    emit_step(&o, set, step);
    return o.len;
}

size_t sfz_program_print(const struct sfz_opset *set, const struct sfz_program *prog, char *buf,
                         size_t size)
{
    struct out o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    emit(&o, "procs %u%s\n", prog->nprocs, prog->forked ? " forked" : "");
    for (unsigned i = 0; i < prog->nfaults; i++) {
        char rule[128];
        const struct sfz_fault *f = &prog->faults[i];
        if (sfz_fault_rule(f, rule, sizeof(rule)) != 0)
            snprintf(rule, sizeof(rule), "?");
        if (f->proc == SFZ_ALL_PROCS)
            emit(&o, "fault all %s\n", rule);
        else
            emit(&o, "fault p%u %s\n", f->proc, rule);
    }
    for (unsigned i = 0; i < prog->nops; i++) {
        emit_step(&o, set, &prog->ops[i]);
        emit(&o, "\n");
    }
    return o.len;
}
