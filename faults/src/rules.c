/*
 * rules.c - the one rule parser (environment, file and C API all come here) and the
 * resolution of caller= filters into address ranges. The parser never prints and never exits:
 * it fills struct shmfault_error with the offending position and a reason, and its caller
 * decides. Grammar (docs/faults.md):
 *   FUNCTION[(CLASS)][@N|@N+|@N-M|%N|pP]=ACTION[,OPTION...]   separated by ';' or newlines
 * image=NAME restricts a rule to processes whose command name (comm) is NAME; run=N (with
 * image=) to the N-th of them in the tree, in order of exec (runs.c).
 */
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "internal.h"

#define SF_MAX_RUN 1000000UL /* run=N: far more processes than one tree starts */

struct parser {
    const char *spec;
    size_t pos, end;           /* the current rule is spec[start, end) */
    size_t start;
    unsigned index;            /* 1-based rule number, for messages */
    size_t run_at;             /* where the rule's run= option starts */
    struct shmfault_error *err;
};

/* Fill the error: position POS, message parts joined. Returns -1 for the caller's return. */
static int fail(struct parser *p, size_t pos, const char *a, const char *b, const char *c)
{
    if (p->err == NULL)
        return -1;
    struct sf_buf m = {p->err->msg, sizeof(p->err->msg), 0};
    p->err->msg[0] = '\0';
    p->err->pos = (int)pos;
    p->err->rule = (int)p->index;
    p->err->rule_pos = (int)p->start;
    p->err->rule_len = (int)(p->end - p->start);
    sf_put(&m, a);
    if (b)
        sf_put(&m, b);
    if (c)
        sf_put(&m, c);
    return -1;
}

/* "'xyz'" of the spec's bytes [from, to), shortened, into a message buffer. */
static const char *quote(struct parser *p, size_t from, size_t to, char *buf, size_t size)
{
    struct sf_buf b = {buf, size, 0};
    buf[0] = '\0';
    sf_putc(&b, '\'');
    sf_putn(&b, p->spec + from, to - from > 40 ? 40 : to - from);
    sf_putc(&b, '\'');
    return buf;
}

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Decimal number at p->pos; MIN is its smallest allowed value. */
static int number(struct parser *p, unsigned long *out, unsigned long min, const char *what)
{
    size_t at = p->pos;
    unsigned long v = 0;
    if (p->pos >= p->end || !is_digit(p->spec[p->pos]))
        return fail(p, at, "expected ", what, NULL);
    while (p->pos < p->end && is_digit(p->spec[p->pos])) {
        unsigned d = (unsigned)(p->spec[p->pos] - '0');
        if (v > (1UL << 40))
            return fail(p, at, "bad number: ", what, " is too large");
        v = v * 10 + d;
        p->pos++;
    }
    if (v < min)
        return fail(p, at, "bad number: ", what, min == 1 ? " starts at 1" : " is too small");
    *out = v;
    return 0;
}

/* pP: P in [0,1] with up to 9 decimals, as a threshold on a 64-bit draw. */
static int probability(struct parser *p, struct sf_rule *r)
{
    size_t at = p->pos;
    unsigned long num = 0, den = 1;
    if (p->pos >= p->end || !is_digit(p->spec[p->pos]))
        return fail(p, at, "expected a probability between 0 and 1 after 'p'", NULL, NULL);
    while (p->pos < p->end && is_digit(p->spec[p->pos]) && num < 10)
        num = num * 10 + (unsigned long)(p->spec[p->pos++] - '0');
    if (p->pos < p->end && p->spec[p->pos] == '.') {
        p->pos++;
        while (p->pos < p->end && is_digit(p->spec[p->pos])) {
            if (den >= 1000000000UL)
                return fail(p, at, "bad number: a probability has at most 9 decimals", NULL, NULL);
            num = num * 10 + (unsigned long)(p->spec[p->pos++] - '0');
            den *= 10;
        }
    }
    if (num > den)
        return fail(p, at, "bad number: a probability is between 0 and 1", NULL, NULL);
    r->when = SF_WHEN_PROB;
    r->prob_all = num == den;
    r->prob = (uint64_t)(((unsigned __int128)num << 64) / den);
    return 0;
}

static size_t ident(struct parser *p, int (*ok)(char))
{
    size_t from = p->pos;
    while (p->pos < p->end && ok(p->spec[p->pos]))
        p->pos++;
    return p->pos - from;
}

static int fn_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || ch == '_';
}

static int class_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || ch == '_' || is_digit(ch);
}

static int function(struct parser *p, struct sf_rule *r)
{
    size_t at = p->pos, len = ident(p, fn_char);
    char q[48];
    if (len == 0)
        return fail(p, at, "expected a function name (shmget, shmat, semop, ...)", NULL, NULL);
    /* "shmatp0.5": the 'p' of a probability is glued to the name */
    if (len > 1 && p->spec[p->pos - 1] == 'p' && p->pos < p->end &&
        (is_digit(p->spec[p->pos]) || p->spec[p->pos] == '.')) {
        p->pos--;
        len--;
    }
    for (unsigned i = 0; i < SF_NFN; i++)
        if (strlen(sf_functions[i].name) == len && memcmp(sf_functions[i].name, p->spec + at, len) == 0) {
            r->fn = i;
            return 0;
        }
    unsigned near = sf_closest_function(p->spec + at, len);
    quote(p, at, p->pos, q, sizeof(q));
    if (near < SF_NFN) {
        char hint[64];
        struct sf_buf h = {hint, sizeof(hint), 0};
        sf_put(&h, " (did you mean ");
        sf_put(&h, sf_functions[near].name);
        sf_put(&h, "?)");
        return fail(p, at, "unknown function ", q, hint);
    }
    return fail(p, at, "unknown function ", q, " (docs/faults.md lists the intercepted functions)");
}

static void list_classes(struct sf_buf *b, unsigned fn)
{
    const char *sep = " (classes:";
    for (unsigned i = 0; i < sf_nclasses; i++)
        if (sf_classes[i].fn == fn) {
            sf_put(b, sep);
            sf_putc(b, ' ');
            sf_put(b, sf_classes[i].name);
            sep = "";
        }
    sf_putc(b, ')');
}

static int class(struct parser *p, struct sf_rule *r)
{
    r->cls = -1;
    if (p->pos >= p->end || p->spec[p->pos] != '(')
        return 0;
    size_t at = ++p->pos, len = ident(p, class_char);
    char msg[200];
    struct sf_buf m = {msg, sizeof(msg), 0};
    for (unsigned i = 0; i < sf_nclasses; i++)
        if (sf_classes[i].fn == r->fn && strlen(sf_classes[i].name) == len &&
            memcmp(sf_classes[i].name, p->spec + at, len) == 0)
            r->cls = (int)i;
    if (r->cls < 0) {
        sf_put(&m, sf_functions[r->fn].name);
        int any = 0;
        for (unsigned i = 0; i < sf_nclasses; i++)
            any |= sf_classes[i].fn == r->fn;
        if (!any)
            return fail(p, at, msg, " takes no class", NULL);
        sf_put(&m, " has no class '");
        sf_putn(&m, p->spec + at, len > 30 ? 30 : len);
        sf_putc(&m, '\'');
        list_classes(&m, r->fn);
        return fail(p, at, msg, NULL, NULL);
    }
    if (p->pos >= p->end || p->spec[p->pos] != ')')
        return fail(p, p->pos, "expected ')' after the class", NULL, NULL);
    p->pos++;
    return 0;
}

static int when(struct parser *p, struct sf_rule *r)
{
    r->when = SF_WHEN_ALWAYS;
    if (p->pos >= p->end)
        return 0;
    char ch = p->spec[p->pos];
    if (ch == '@' && p->pos + 1 < p->end && p->spec[p->pos + 1] == 'p') {
        p->pos += 2; /* "@p0.5": the same as "p0.5", easier to read after a name */
        return probability(p, r);
    }
    if (ch == '@') {
        p->pos++;
        if (number(p, &r->n, 1, "a call number after '@'") != 0)
            return -1;
        r->when = SF_WHEN_NTH;
        if (p->pos < p->end && p->spec[p->pos] == '+') {
            p->pos++;
            r->when = SF_WHEN_FROM;
        } else if (p->pos < p->end && p->spec[p->pos] == '-') {
            size_t at = ++p->pos;
            if (number(p, &r->m, 1, "the last call number of the range after '-'") != 0)
                return -1;
            if (r->m < r->n)
                return fail(p, at, "bad number: the range ends before it starts", NULL, NULL);
            r->when = SF_WHEN_RANGE;
        }
    } else if (ch == '%') {
        p->pos++;
        if (number(p, &r->n, 1, "a period after '%'") != 0)
            return -1;
        r->when = SF_WHEN_EVERY;
    } else if (ch == 'p') {
        p->pos++;
        return probability(p, r);
    }
    return 0;
}

static const struct {
    const char *name;
    int sig;
} crashes[] = {{"SIGKILL", 9}, {"SIGSEGV", 11}, {"SIGBUS", 7}, {"abort", 6}};

static int action(struct parser *p, struct sf_rule *r)
{
    char q[48], msg[200];
    struct sf_buf m = {msg, sizeof(msg), 0};
    if (p->pos >= p->end || p->spec[p->pos] != '=')
        return fail(p, p->pos, "expected '=' and an action (an errno name, !ERRNO, SIGKILL, "
                    "SIGSEGV, SIGBUS, abort or exit(N))", NULL, NULL);
    p->pos++;
    size_t at = p->pos;
    if (p->pos < p->end && p->spec[p->pos] == '!') {
        r->forced = 1;
        p->pos++;
    }
    size_t name_at = p->pos;
    while (p->pos < p->end && p->spec[p->pos] != ',' && p->spec[p->pos] != '(' &&
           p->spec[p->pos] != ' ' && p->spec[p->pos] != '\t')
        p->pos++;
    size_t len = p->pos - name_at;
    if (len == 0)
        return fail(p, at, "expected an action after '=' (an errno name, !ERRNO, SIGKILL, "
                    "SIGSEGV, SIGBUS, abort or exit(N))", NULL, NULL);
    if (!r->forced) {
        for (size_t i = 0; i < sizeof(crashes) / sizeof(crashes[0]); i++)
            if (strlen(crashes[i].name) == len && memcmp(crashes[i].name, p->spec + name_at, len) == 0) {
                r->act = SHMFAULT_ACT_SIGNAL;
                r->value = crashes[i].sig;
                return 0;
            }
        if (len == 4 && memcmp(p->spec + name_at, "exit", 4) == 0) {
            unsigned long status;
            if (p->pos >= p->end || p->spec[p->pos] != '(')
                return fail(p, p->pos, "expected '(' and a status: exit(N)", NULL, NULL);
            p->pos++;
            if (number(p, &status, 0, "an exit status in exit(N)") != 0)
                return -1;
            if (status > 255)
                return fail(p, name_at + 5, "bad number: an exit status is 0..255", NULL, NULL);
            if (p->pos >= p->end || p->spec[p->pos] != ')')
                return fail(p, p->pos, "expected ')' after the exit status", NULL, NULL);
            p->pos++;
            r->act = SHMFAULT_ACT_EXIT;
            r->value = (int)status;
            return 0;
        }
    }
    char name[32];
    if (len >= sizeof(name))
        len = sizeof(name) - 1;
    memcpy(name, p->spec + name_at, len);
    name[len] = '\0';
    int e = shmfault_errno_lookup(name);
    if (e < 0)
        return fail(p, name_at, "unknown errno or action ", quote(p, name_at, p->pos, q, sizeof(q)),
                    " (an errno name, !ERRNO, SIGKILL, SIGSEGV, SIGBUS, abort or exit(N))");
    if (!r->forced && !sf_errno_documented(r->fn, e)) {
        sf_put(&m, sf_functions[r->fn].name);
        sf_put(&m, " cannot fail with ");
        sf_put(&m, name);
        sf_put(&m, " (documented:");
        for (unsigned i = 0; i < sf_functions[r->fn].nerrs; i++) {
            sf_putc(&m, ' ');
            sf_put(&m, shmfault_errno_name(sf_functions[r->fn].errs[i]));
        }
        sf_put(&m, "; write !");
        sf_put(&m, name);
        sf_put(&m, " to force it)");
        return fail(p, name_at, msg, NULL, NULL);
    }
    r->act = SHMFAULT_ACT_ERRNO;
    r->value = e;
    return 0;
}

static int word_is(struct parser *p, size_t at, size_t len, const char *w)
{
    return strlen(w) == len && memcmp(p->spec + at, w, len) == 0;
}

static int option(struct parser *p, struct sf_rule *r)
{
    size_t at = p->pos;
    while (p->pos < p->end && p->spec[p->pos] != ',' && p->spec[p->pos] != '=')
        p->pos++;
    size_t len = p->pos - at;
    int has_value = p->pos < p->end && p->spec[p->pos] == '=';
    size_t vat = has_value ? p->pos + 1 : p->pos, vend = vat;
    while (vend < p->end && p->spec[vend] != ',')
        vend++;
    size_t vlen = vend - vat;
    char q[48];
    if (word_is(p, at, len, "after") && !has_value) {
        if (r->act == SHMFAULT_ACT_ERRNO)
            return fail(p, at, "'after' needs a crash action (SIGKILL, SIGSEGV, SIGBUS, abort or "
                        "exit(N)): an errno is returned instead of the call", NULL, NULL);
        r->after = 1;
        return 0;
    }
    if (word_is(p, at, len, "times") && has_value) {
        p->pos = vat;
        if (number(p, &r->times, 1, "a count in times=N") != 0)
            return -1;
        return 0;
    }
    if (word_is(p, at, len, "run") && has_value) {
        p->pos = vat;
        if (number(p, &r->run, 1, "a run number in run=N") != 0)
            return -1;
        if (r->run > SF_MAX_RUN)
            return fail(p, vat, "bad number: a run number in run=N is at most 1000000", NULL,
                        NULL);
        p->run_at = at;
        return 0;
    }
    p->pos = vend;
    if (word_is(p, at, len, "proc") && has_value) {
        if (word_is(p, vat, vlen, "all"))
            r->proc = SF_PROC_ALL;
        else if (word_is(p, vat, vlen, "first"))
            r->proc = SF_PROC_FIRST;
        else if (word_is(p, vat, vlen, "children"))
            r->proc = SF_PROC_CHILDREN;
        else
            return fail(p, vat, "unknown value ", quote(p, vat, vend, q, sizeof(q)),
                        " of proc= (all, first or children)");
        return 0;
    }
    if (word_is(p, at, len, "count") && has_value) {
        if (word_is(p, vat, vlen, "tree") || word_is(p, vat, vlen, "process")) {
            r->tree = word_is(p, vat, vlen, "tree");
            return 0;
        }
        return fail(p, vat, "unknown value ", quote(p, vat, vend, q, sizeof(q)),
                    " of count= (tree or process)");
    }
    if (word_is(p, at, len, "image") && has_value) {
        /* stored as caller text behind a \1 marker: resolution turns it into "every address"
           in processes whose command name is NAME and "none" elsewhere (add_ranges) */
        if (vlen == 0 || vlen > 15 || r->has_caller)
            return fail(p, vat, "image= needs a command name (1..15 characters, as in "
                        "/proc/PID/comm) and does not go with caller=", NULL, NULL);
        r->caller[0] = '\1';
        memcpy(r->caller + 1, p->spec + vat, vlen);
        r->caller[vlen + 1] = '\0';
        r->has_caller = 1;
        return 0;
    }
    if (word_is(p, at, len, "caller") && has_value) {
        if (r->has_caller)
            return fail(p, vat, "caller= does not go with image=", NULL, NULL);
        if (vlen == 0 || vlen >= sizeof(r->caller))
            return fail(p, vat, "caller= needs a part of an object's path (1..63 characters)",
                        NULL, NULL);
        memcpy(r->caller, p->spec + vat, vlen);
        r->caller[vlen] = '\0';
        r->has_caller = 1;
        return 0;
    }
    return fail(p, at, "unknown option ", quote(p, at, vend, q, sizeof(q)),
                " (after, times=N, proc=all|first|children, count=tree|process, caller=SUBSTR, "
                "image=NAME, run=N)");
}

static int rule(struct parser *p, struct sf_rule *r)
{
    memset(r, 0, sizeof(*r));
    p->run_at = 0;
    if (function(p, r) != 0 || class(p, r) != 0 || when(p, r) != 0 || action(p, r) != 0)
        return -1;
    while (p->pos < p->end && p->spec[p->pos] == ',') {
        p->pos++;
        if (option(p, r) != 0)
            return -1;
    }
    if (p->pos < p->end) {
        char q[48];
        return fail(p, p->pos, "trailing junk ", quote(p, p->pos, p->end, q, sizeof(q)),
                    " after the rule");
    }
    if (r->run != 0 && (!r->has_caller || r->caller[0] != '\1'))
        return fail(p, p->run_at, "run=N needs image=NAME: it counts the processes of one image "
                    "(the N-th process named NAME, in order of exec)", NULL, NULL);
    r->filtered = r->cls >= 0 || r->proc != SF_PROC_ALL || r->has_caller || r->tree;
    return 0;
}

static int blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

int sf_parse(const char *spec, struct sf_ruleset *set, struct shmfault_error *err)
{
    if (err) { /* an out-parameter: filled before anything else reads it */
        err->pos = -1;
        err->msg[0] = '\0';
        err->rule = 0;
        err->rule_pos = -1;
        err->rule_len = 0;
    }
    struct parser p = {.spec = spec, .err = err};
    int last_sep_semicolon = 1; /* the start counts as one: ";x" is an empty rule */
    if (spec == NULL)
        return 0;
    size_t n = strlen(spec);
    while (p.pos < n) {
        char ch = spec[p.pos];
        if (blank(ch)) {
            p.pos++;
            continue;
        }
        if (ch == '#') {
            while (p.pos < n && spec[p.pos] != '\n')
                p.pos++;
            continue;
        }
        if (ch == '\n') {
            p.pos++;
            last_sep_semicolon = 0;
            continue;
        }
        if (ch == ';') {
            if (last_sep_semicolon) {
                p.start = p.end = p.pos;
                p.index = set->n + 1;
                return fail(&p, p.pos, "empty rule (two separators in a row)", NULL, NULL);
            }
            last_sep_semicolon = 1;
            p.pos++;
            continue;
        }
        p.start = p.pos;
        p.end = p.pos;
        while (p.end < n && spec[p.end] != ';' && spec[p.end] != '\n' && spec[p.end] != '#')
            p.end++;
        while (p.end > p.start && blank(spec[p.end - 1]))
            p.end--;
        p.index = set->n + 1;
        if (set->n >= SF_MAX_RULES)
            return fail(&p, p.start, "too many rules (at most 64)", NULL, NULL);
        if (rule(&p, &set->r[set->n]) != 0)
            return -1;
        set->n++;
        p.pos = p.end;
        last_sep_semicolon = 0;
    }
    memset(set->nbyfn, 0, sizeof(set->nbyfn));
    memset(set->needcls, 0, sizeof(set->needcls));
    for (unsigned i = 0; i < set->n; i++) {
        unsigned fn = set->r[i].fn;
        set->byfn[fn][set->nbyfn[fn]++] = (unsigned char)i;
        set->needcls[fn] |= set->r[i].cls >= 0;
    }
    return 0;
}

/* ---- caller= ---------------------------------------------------------------------------- */

static int add_ranges(struct dl_phdr_info *info, size_t size, void *data)
{
    struct sf_rule *r = data;
    char exe[256];
    const char *name = info->dlpi_name;
    (void)size;
    if (name == NULL || name[0] == '\0') {
        ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        exe[len > 0 ? len : 0] = '\0';
        name = exe;
    }
    if (strstr(name, r->caller) == NULL)
        return 0;
    for (unsigned i = 0; i < info->dlpi_phnum && r->nranges < SF_MAX_RANGES; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        r->lo[r->nranges] = info->dlpi_addr + ph->p_vaddr;
        r->hi[r->nranges] = r->lo[r->nranges] + ph->p_memsz;
        r->nranges++;
    }
    return 0;
}

/* image=NAME: the whole address space when this process's command name is NAME (the name
   the kernel's process accounting reports, so the enumerator's points and rules agree). */
static void image_ranges(struct sf_rule *r)
{
    char comm[17] = "";
    if (prctl(PR_GET_NAME, comm, 0, 0, 0) != 0 || strcmp(comm, r->caller + 1) != 0)
        return;
    if (r->run != 0 && r->run != sf_run_no)
        return; /* another run of this image, or not numbered: no address matches */
    r->lo[0] = 0;
    r->hi[0] = UINTPTR_MAX;
    r->nranges = 1;
}

void sf_rules_resolve_callers(struct sf_ruleset *set)
{
    for (unsigned i = 0; i < set->n; i++) {
        struct sf_rule *r = &set->r[i];
        if (!r->has_caller)
            continue;
        r->nranges = 0;
        if (r->caller[0] == '\1')
            image_ranges(r);
        else
            dl_iterate_phdr(add_ranges, r);
    }
}
