/*
 * program_parse.c - the text form -> a program. Strict on purpose: an unknown op, argument,
 * value, function or undocumented errno is an error with its line, never silently reduced the
 * way the binary decoder reduces bytes, because a person wrote it and meant something.
 * Grammar (docs/program-format.md):
 *     line   := [procs | fault | step] ['#' comment]
 *     procs  := "procs" N ["forked"]                 (before any fault or step)
 *     fault  := "fault" (pK | "all") FUNC@N[+]=ACTION[,after]
 *     step   := pK OPNAME {ARG=VALUE}                (every argument, any order)
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault_names.h"
#include "shmfault.h"
#include "shmfuzz/program.h"

#define MAX_LINE 512
#define MAX_TOKENS (2 + SFZ_MAX_ARGS + 2)

struct parser {
    const struct sfz_opset *set;
    struct sfz_program *prog;
    int seen_body; /* a fault or step was parsed: "procs" may no longer change */
    char *err;
    size_t err_size;
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, p->err_size, fmt, ap);
    va_end(ap);
    return -1;
}

/* Decimal or 0x hex, the whole token, at most MAX. */
static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    if (!isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno != 0 || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

/* "p2" -> 2 when below NPROCS. */
static int parse_proc(const char *s, unsigned nprocs, unsigned *out)
{
    unsigned long v = 0;
    if (s[0] != 'p' || parse_uint(s + 1, nprocs - 1u, &v) != 0)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_procs(struct parser *p, char **tok, unsigned ntok)
{
    unsigned long n = 0;
    if (p->seen_body)
        return fail(p, "'procs' must come before every fault and op");
    if (ntok < 2 || ntok > 3 || parse_uint(tok[1], SFZ_MAX_PROCS, &n) != 0 || n == 0)
        return fail(p, "expected 'procs N [forked]' with N in 1..%d", SFZ_MAX_PROCS);
    if (ntok == 3 && strcmp(tok[2], "forked") != 0)
        return fail(p, "unknown procs option '%s' (known: forked)", tok[2]);
    p->prog->nprocs = (uint8_t)n;
    p->prog->forked = ntok == 3;
    return 0;
}

static int parse_action(struct parser *p, struct sfz_fault *f, const char *name)
{
    const int *errs = NULL;
    unsigned nerr = shmfault_function_errnos(f->function, &errs);
    int crash = sfz_crash_lookup(name);
    if (crash >= 0) {
        f->action = (uint8_t)(nerr + (unsigned)crash);
        return 0;
    }
    int e = shmfault_errno_lookup(name);
    for (unsigned i = 0; e >= 0 && i < nerr; i++)
        if (errs[i] == e) {
            f->action = (uint8_t)i;
            return 0;
        }
    return fail(p, "%s cannot fail with '%s' (a documented errno, SIGKILL, SIGSEGV, SIGBUS, "
                   "abort, exit(0) or exit(1))", shmfault_function_name(f->function), name);
}

/* FUNC@N[+]=ACTION[,after], the subset of libshmfault's grammar a program can encode. */
static int parse_rule(struct parser *p, struct sfz_fault *f, char *rule)
{
    char *at = strchr(rule, '@'), *eq = strchr(rule, '=');
    if (at == NULL || eq == NULL || eq < at)
        return fail(p, "expected FUNCTION@N=ACTION, got '%s'", rule);
    *at = '\0';
    *eq = '\0';
    int fn = shmfault_function_lookup(rule);
    if (fn < 0 || fn > 255)
        return fail(p, "unknown function '%s' (not in libshmfault's table)", rule);
    if ((unsigned)fn >= sfz_fault_function_count())
        return fail(p, "'%s' is not a fault point of programs (only of libshmfault rules)", rule);
    f->function = (uint8_t)fn;
    size_t nlen = strlen(at + 1);
    f->from_on = nlen > 0 && at[nlen] == '+';
    if (f->from_on)
        at[nlen] = '\0';
    unsigned long nth = 0;
    if (parse_uint(at + 1, 8, &nth) != 0 || nth == 0)
        return fail(p, "the call number must be 1..8 (optionally N+), got '%s'", at + 1);
    f->nth = (uint8_t)nth;
    char *opt = strchr(eq + 1, ',');
    if (opt != NULL) {
        *opt++ = '\0';
        if (strcmp(opt, "after") != 0)
            return fail(p, "unknown rule option '%s' (a program can encode: after)", opt);
        f->after = 1;
    }
    if (parse_action(p, f, eq + 1) != 0)
        return -1;
    unsigned crash = 0;
    if (f->after && !sfz_fault_is_crash(f, &crash))
        return fail(p, "',after' applies to crashes only");
    return 0;
}

static int parse_fault(struct parser *p, char **tok, unsigned ntok)
{
    struct sfz_program *prog = p->prog;
    unsigned proc = 0;
    if (ntok != 3)
        return fail(p, "expected 'fault pK|all FUNCTION@N=ACTION'");
    if (prog->nfaults >= SFZ_MAX_FAULTS)
        return fail(p, "at most %d faults per program", SFZ_MAX_FAULTS);
    if (strcmp(tok[1], "all") == 0)
        proc = SFZ_ALL_PROCS;
    else if (parse_proc(tok[1], prog->nprocs, &proc) != 0)
        return fail(p, "'%s' is not a process of this program (p0..p%u or all)", tok[1],
                    prog->nprocs - 1u);
    struct sfz_fault f = {.proc = (uint8_t)proc};
    if (parse_rule(p, &f, tok[2]) != 0)
        return -1;
    prog->faults[prog->nfaults++] = f;
    return 0;
}

static int parse_value(struct parser *p, const struct sfz_arg *a, const char *s, uint32_t *out)
{
    unsigned long v = 0;
    unsigned proc = 0;
    switch (a->kind) {
    case SFZ_ARG_CHOICE:
        for (unsigned i = 0; i < a->nchoices; i++)
            if (strcmp(s, a->choices[i]) == 0) {
                *out = i;
                return 0;
            }
        return fail(p, "'%s' is not a choice of %s", s, a->name);
    case SFZ_ARG_PROC:
        if (parse_proc(s, p->prog->nprocs, &proc) != 0)
            return fail(p, "%s=%s is not a process of this program", a->name, s);
        *out = proc;
        return 0;
    case SFZ_ARG_SIZE:
        if (parse_uint(s, UINT32_MAX, &v) != 0 || sfz_size_index((uint32_t)v) < 0)
            return fail(p, "%s=%s is not in the size table (docs/program-format.md)", a->name, s);
        break;
    case SFZ_ARG_OFFSET:
        if (parse_uint(s, UINT32_MAX, &v) != 0 || sfz_offset_index((uint32_t)v) < 0)
            return fail(p, "%s=%s is not in the offset table (docs/program-format.md)", a->name, s);
        break;
    case SFZ_ARG_SLOT:
        if (parse_uint(s, SFZ_SLOTS - 1, &v) != 0)
            return fail(p, "%s=%s: slots are 0..%d", a->name, s, SFZ_SLOTS - 1);
        break;
    case SFZ_ARG_BYTE:
        if (parse_uint(s, 255, &v) != 0)
            return fail(p, "%s=%s: a byte is 0..255", a->name, s);
        break;
    }
    *out = (uint32_t)v;
    return 0;
}

static int find_op(const struct sfz_opset *set, const char *name)
{
    for (unsigned i = 0; i < set->nops; i++)
        if (strcmp(sfz_opset_op(set, i)->name, name) == 0)
            return (int)i;
    return -1;
}

static int parse_args(struct parser *p, const struct sfz_op *op, char **tok, unsigned ntok,
                      struct sfz_step *s)
{
    unsigned seen = 0;
    for (unsigned t = 0; t < ntok; t++) {
        char *eq = strchr(tok[t], '=');
        if (eq == NULL)
            return fail(p, "expected ARG=VALUE, got '%s'", tok[t]);
        *eq = '\0';
        unsigned i = 0;
        while (i < op->nargs && strcmp(op->args[i].name, tok[t]) != 0)
            i++;
        if (i == op->nargs)
            return fail(p, "%s has no argument '%s'", op->name, tok[t]);
        if (seen & (1u << i))
            return fail(p, "argument '%s' given twice", tok[t]);
        seen |= 1u << i;
        if (parse_value(p, &op->args[i], eq + 1, &s->argv[i]) != 0)
            return -1;
    }
    for (unsigned i = 0; i < op->nargs; i++)
        if (!(seen & (1u << i)))
            return fail(p, "%s needs %s=", op->name, op->args[i].name);
    return 0;
}

static int parse_step(struct parser *p, char **tok, unsigned ntok)
{
    struct sfz_program *prog = p->prog;
    struct sfz_step s;
    unsigned proc = 0;
    memset(&s, 0, sizeof(s));
    if (parse_proc(tok[0], prog->nprocs, &proc) != 0)
        return fail(p, "'%s' is not a process of this program (p0..p%u; more need 'procs N')",
                    tok[0], prog->nprocs - 1u);
    if (ntok < 2)
        return fail(p, "expected an op after %s", tok[0]);
    if (prog->nops >= SFZ_MAX_OPS)
        return fail(p, "at most %d ops per program", SFZ_MAX_OPS);
    int op = find_op(p->set, tok[1]);
    if (op < 0)
        return fail(p, "unknown op '%s' for target %s", tok[1], p->set->adapter->name);
    s.proc = (uint8_t)proc;
    s.op = (uint8_t)op;
    if (parse_args(p, sfz_opset_op(p->set, (unsigned)op), tok + 2, ntok - 2, &s) != 0)
        return -1;
    prog->ops[prog->nops++] = s;
    return 0;
}

static int parse_line(struct parser *p, char *line)
{
    char *tok[MAX_TOKENS + 1];
    unsigned ntok = 0;
    char *hash = strchr(line, '#');
    if (hash != NULL)
        *hash = '\0';
    for (char *t = strtok(line, " \t\r"); t != NULL; t = strtok(NULL, " \t\r")) {
        if (ntok == MAX_TOKENS)
            return fail(p, "too many words on one line");
        tok[ntok++] = t;
    }
    if (ntok == 0)
        return 0;
    if (strcmp(tok[0], "procs") == 0)
        return parse_procs(p, tok, ntok);
    p->seen_body = 1;
    if (strcmp(tok[0], "fault") == 0)
        return parse_fault(p, tok, ntok);
    return parse_step(p, tok, ntok);
}

int sfz_program_parse(const struct sfz_opset *set, const char *text, size_t len,
                      struct sfz_program *prog, unsigned *line, char *err, size_t err_size)
{
    struct parser p = {set, prog, 0, err, err_size};
    memset(prog, 0, sizeof(*prog));
    prog->version = SFZ_FORMAT_VERSION;
    prog->nprocs = 1;
    *line = 0;
    for (size_t pos = 0; pos < len;) {
        char buf[MAX_LINE];
        size_t n = 0;
        ++*line;
        while (pos < len && text[pos] != '\n') {
            if (n + 1 >= sizeof(buf) || text[pos] == '\0')
                return fail(&p, n + 1 >= sizeof(buf) ? "line too long" : "NUL byte in text");
            buf[n++] = text[pos++];
        }
        pos++;
        buf[n] = '\0';
        if (parse_line(&p, buf) != 0)
            return -1;
    }
    return 0;
}

static int is_keyword_start(const uint8_t *w, size_t n)
{
    if (n >= 1 && w[0] == '#')
        return 1;
    if (n >= 5 && (memcmp(w, "procs", 5) == 0 || memcmp(w, "fault", 5) == 0))
        return 1;
    return n >= 2 && w[0] == 'p' && isdigit(w[1]);
}

int sfz_is_text(const uint8_t *data, size_t size)
{
    size_t first = size;
    for (size_t i = 0; i < size; i++) {
        uint8_t c = data[i];
        if (c != '\n' && c != '\t' && c != '\r' && (c < 0x20 || c > 0x7e))
            return 0;
        if (first == size && c != ' ' && c != '\n' && c != '\t' && c != '\r')
            first = i;
    }
    return first < size && is_keyword_start(data + first, size - first);
}
