/*
 * memcheck.c - heap leaks and memory errors of black-box runs (memcheck.h says what and why).
 * Reads Valgrind's XML (one file per process) and the sanitizers' text reports on stderr into
 * one list of issues per run, each with a signature (its kind, its process's program and its
 * stack, never addresses or pids) so the clean run's issues can be told apart from a cell's.
 */
#define _GNU_SOURCE
#include "memcheck.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SUPP 16
#define MAX_ISSUES 256
#define SHORT_FRAMES 4  /* frames in a cell's one-line why */
#define FULL_FRAMES 16  /* frames in memcheck.txt */

static struct {
    int valgrind, reachable;
    unsigned nsupp;
    const char *supp[MAX_SUPP];
    unsigned nbase;
    unsigned long base[MAX_ISSUES]; /* signatures of the clean run's issues */
} mc;

struct issue {
    const char *kind;   /* leak-heap, memory-error, undefined */
    char what[160];     /* "80 bytes in 1 blocks are definitely lost", "Invalid write of size 4" */
    char proc[160];     /* "pid 3 (prog arg)" */
    char stack[1024];   /* innermost first, " < "-joined, FULL_FRAMES at most */
    char aux[1024];     /* memcheck's further stacks ("... free'd: free < close_ctx ...") */
    size_t short_len;   /* the first SHORT_FRAMES of stack */
    unsigned nframes;
    unsigned long sig;
};

struct issues {
    unsigned n;
    struct issue v[MAX_ISSUES];
};

/* ---- options and the command ------------------------------------------------------------- */

int memcheck_option(const char *opt, const char *val)
{
    if (strcmp(opt, "--valgrind") == 0)
        return mc.valgrind = 1;
    if (strcmp(opt, "--valgrind-reachable") == 0)
        return mc.reachable = 1;
    if (strcmp(opt, "--valgrind-supp") != 0)
        return 0;
    if (val == NULL || mc.nsupp == MAX_SUPP)
        return -1;
    mc.supp[mc.nsupp++] = val;
    return 2;
}

int memcheck_valgrind(void)
{
    return mc.valgrind;
}

/* valgrind's absolute path from PATH (the fork server is exec'd with execve). */
static char *find_valgrind(void)
{
    const char *path = getenv("PATH");
    char *dirs = strdup(path && *path ? path : "/usr/bin:/bin"), *save = NULL;
    for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
        char *p = NULL;
        if (asprintf(&p, "%s/valgrind", d) >= 0 && access(p, X_OK) == 0) {
            free(dirs);
            return p;
        }
        free(p);
    }
    free(dirs);
    return NULL;
}

char **memcheck_command(char **prog, const char *logdir)
{
    if (!mc.valgrind)
        return prog;
    size_t nprog = 0;
    while (prog[nprog])
        nprog++;
    char **argv = calloc(nprog + MAX_SUPP + 16, sizeof(char *));
    char *vg = find_valgrind(), *real = realpath(prog[0], NULL);
    if (argv == NULL || vg == NULL || real == NULL) {
        fprintf(stderr, "memcheck: %s\n", vg == NULL ? "valgrind is not installed (not in PATH)"
                                                      : "cannot resolve the program's path");
        return NULL;
    }
    if (mkdir(logdir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "memcheck: cannot create %s: %s\n", logdir, strerror(errno));
        return NULL;
    }
    size_t k = 0;
    argv[k++] = vg;
    argv[k++] = "--tool=memcheck";
    argv[k++] = "-q";
    argv[k++] = "--vgdb=no";             /* no FIFOs in /tmp per process */
    argv[k++] = "--leak-check=full";
    argv[k++] = mc.reachable ? "--show-leak-kinds=definite,indirect,reachable"
                             : "--show-leak-kinds=definite,indirect";
    argv[k++] = "--trace-children=yes";  /* exec'd children are checked too */
    argv[k++] = "--child-silent-after-fork=no"; /* every cell is a fork: it must report */
    argv[k++] = "--num-callers=24";
    argv[k++] = "--xml=yes";
    if (asprintf(&argv[k++], "--xml-file=%s/vg.%%p.%%n", logdir) < 0)
        return NULL;
    for (unsigned i = 0; i < mc.nsupp; i++)
        if (asprintf(&argv[k++], "--suppressions=%s", mc.supp[i]) < 0)
            return NULL;
    argv[k++] = "--";
    for (size_t i = 0; i < nprog; i++)
        argv[k++] = prog[i];
    /* valgrind's launcher is a shell script and valgrind.bin is dynamic: both see LD_PRELOAD
       as PID 1; only the program's image may become the fork server (forkserver.c). */
    setenv("SHMFAULT_FORKSERVER_EXE", real, 1);
    free(real);
    return argv;
}

void memcheck_collect(const char *logdir, const char *celldir)
{
    DIR *d = mc.valgrind ? opendir(logdir) : NULL;
    char to[4096], from[4096];
    snprintf(to, sizeof(to), "%s/valgrind", celldir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, "vg.", 3) != 0 || strncmp(e->d_name, "vg.1.", 5) == 0)
            continue; /* the fork server's own file (PID 1) stays */
        (void)mkdir(to, 0755);
        snprintf(from, sizeof(from), "%s/%s", logdir, e->d_name);
        snprintf(to, sizeof(to), "%s/valgrind/%s", celldir, e->d_name);
        if (rename(from, to) != 0)
            (void)unlink(from);
        snprintf(to, sizeof(to), "%s/valgrind", celldir);
    }
    if (d)
        closedir(d);
}

/* ---- issues ------------------------------------------------------------------------------ */

static unsigned long fnv(unsigned long h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211UL;
    return h;
}

/* Adds one frame ("fn (where)") to I's stack; frames past main are the C runtime's. */
static int add_frame(struct issue *is, const char *fn, const char *where)
{
    if (is->nframes >= FULL_FRAMES || strcmp(fn, "wrapped_main") == 0 ||
        strncmp(fn, "__libc_start", 12) == 0 || strcmp(fn, "_start") == 0)
        return 0;
    if (strncmp(fn, "__interceptor_", 14) == 0)
        fn += 14;
    size_t len = strlen(is->stack);
    snprintf(is->stack + len, sizeof(is->stack) - len, "%s%s%s%s%s", is->nframes ? " < " : "", fn,
             *where ? " (" : "", where, *where ? ")" : "");
    if (++is->nframes <= SHORT_FRAMES)
        is->short_len = strlen(is->stack);
    is->sig = fnv(fnv(is->sig, fn), where);
    return strcmp(fn, "main") != 0;
}

static struct issue *new_issue(struct issues *all, const char *kind, const char *proc)
{
    if (all->n == MAX_ISSUES)
        return NULL;
    struct issue *is = &all->v[all->n++];
    memset(is, 0, sizeof(*is));
    is->kind = kind;
    snprintf(is->proc, sizeof(is->proc), "%s", proc);
    is->sig = fnv(14695981039346656037UL, kind);
    return is;
}

/* The whole of a file (at most 8 MiB), NUL-terminated; NULL when absent or empty. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "re");
    char *buf = f ? malloc(8u << 20) : NULL;
    size_t n = buf ? fread(buf, 1, (8u << 20) - 1, f) : 0;
    if (f)
        fclose(f);
    if (buf == NULL || n == 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static const char *basename_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---- Valgrind's XML ---------------------------------------------------------------------- */

/* The text of the first <TAG>...</TAG> in [P, END), unescaped, into OUT; its end, or NULL. */
static const char *xml_text(const char *p, const char *end, const char *tag, char *out,
                            size_t size)
{
    char open[40], close[40];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    const char *a = strstr(p, open), *b = a ? strstr(a, close) : NULL;
    out[0] = '\0';
    if (a == NULL || b == NULL || b > end)
        return NULL;
    static const char *const ent[][2] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", "\""}, {"&apos;", "'"}};
    size_t k = 0;
    for (a += strlen(open); a < b && k + 1 < size; a++) {
        size_t e = 0;
        while (e < 5 && strncmp(a, ent[e][0], strlen(ent[e][0])) != 0)
            e++;
        out[k++] = e < 5 ? ent[e][1][0] : *a;
        if (e < 5)
            a += strlen(ent[e][0]) - 1;
    }
    out[k] = '\0';
    return b + strlen(close);
}

/* "pid N (exe args)" of one Valgrind file: the client's argv, not valgrind's own (vargv). */
static void xml_process(const char *text, char *proc, size_t size)
{
    char pid[32], exe[256], arg[256];
    const char *end = text + strlen(text), *argv = strstr(text, "<argv>");
    const char *argv_end = argv ? strstr(argv, "</argv>") : NULL;
    xml_text(text, end, "pid", pid, sizeof(pid));
    int n = snprintf(proc, size, "pid %s", pid);
    if (argv == NULL || argv_end == NULL)
        return;
    xml_text(argv, argv_end, "exe", exe, sizeof(exe));
    n += snprintf(proc + n, size - (size_t)n, " (%s", basename_of(exe));
    for (const char *p = argv; (size_t)n < size && (p = xml_text(p, argv_end, "arg", arg, sizeof(arg)));)
        n += snprintf(proc + n, size - (size_t)n, " %s", arg);
    if ((size_t)n < size)
        snprintf(proc + n, size - (size_t)n, ")");
}

static const char *vg_kind(const char *kind)
{
    if (strcmp(kind, "Leak_DefinitelyLost") == 0 || strcmp(kind, "Leak_IndirectlyLost") == 0)
        return "leak-heap";
    if (strcmp(kind, "Leak_StillReachable") == 0)
        return mc.reachable ? "leak-heap" : NULL;
    if (strncmp(kind, "Leak_", 5) == 0)
        return NULL; /* possibly lost: an interior pointer, not counted (docs/cli.md) */
    return "memory-error";
}

/* The frames of the <stack> at ST (up to END) into IS; the end of the stack, or NULL. */
static const char *xml_stack(struct issue *is, const char *st, const char *end)
{
    char fn[160], file[160], line[16], obj[256];
    const char *st_end = st ? strstr(st, "</stack>") : NULL;
    if (st_end == NULL || st_end > end)
        return NULL;
    for (const char *f = st; (f = strstr(f, "<frame>")) && f < st_end;) {
        const char *f_end = strstr(f, "</frame>");
        if (f_end == NULL)
            break;
        char where[400] = "";
        xml_text(f, f_end, "fn", fn, sizeof(fn));
        if (xml_text(f, f_end, "file", file, sizeof(file)) &&
            xml_text(f, f_end, "line", line, sizeof(line)))
            snprintf(where, sizeof(where), "%s:%s", file, line);
        else if (xml_text(f, f_end, "obj", obj, sizeof(obj)) &&
                 strncmp(basename_of(obj), "vgpreload_", 10) != 0) /* memcheck's malloc */
            snprintf(where, sizeof(where), "%s", basename_of(obj));
        if (!add_frame(is, fn[0] ? fn : "?", where))
            break;
        f = f_end;
    }
    return st_end;
}

/* One <error>: its kind, what, and its first stack (where it happened or was allocated); the
   <auxwhat> stacks that follow (where the block was freed, allocated) go to memcheck.txt. */
static void xml_error(struct issues *all, const char *e, const char *end, const char *proc)
{
    char kind[64], what[160];
    xml_text(e, end, "kind", kind, sizeof(kind));
    const char *k = vg_kind(kind);
    struct issue *is = k ? new_issue(all, k, proc) : NULL;
    if (is == NULL)
        return;
    if (xml_text(e, end, "what", what, sizeof(what)) == NULL)
        xml_text(e, end, "text", what, sizeof(what)); /* leaks: <xwhat><text> */
    char *loss = strstr(what, " in loss record");
    if (loss)
        *loss = '\0';
    snprintf(is->what, sizeof(is->what), "%s", what);
    const char *p = xml_stack(is, strstr(e, "<stack>"), end);
    static struct issue aux;
    char text[160];
    while (p && (p = xml_text(p, end, "auxwhat", text, sizeof(text))) != NULL) {
        memset(&aux, 0, sizeof(aux));
        p = xml_stack(&aux, strstr(p, "<stack>"), end);
        size_t len = strlen(is->aux);
        snprintf(is->aux + len, sizeof(is->aux) - len, "\n    %s: %s", text, aux.stack);
    }
}

static void read_valgrind_file(struct issues *all, const char *path)
{
    char *text = slurp(path), proc[160];
    if (text == NULL)
        return;
    const char *end = text + strlen(text);
    xml_process(text, proc, sizeof(proc));
    for (const char *e = text; (e = strstr(e, "<error>")) != NULL;) {
        const char *e_end = strstr(e, "</error>");
        if (e_end == NULL)
            break;
        xml_error(all, e, e_end, proc);
        e = e_end;
    }
    (void)end;
    free(text);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void read_valgrind(struct issues *all, const char *dir)
{
    struct dirent **names;
    char path[4096];
    int n = scandir(dir, &names, NULL, by_name);
    for (int i = 0; i < n; i++) {
        if (strncmp(names[i]->d_name, "vg.", 3) == 0) {
            snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
            read_valgrind_file(all, path);
        }
        free(names[i]);
    }
    if (n >= 0)
        free(names);
}

/* ---- sanitizer reports on stderr --------------------------------------------------------- */

/* "    #1 0x55d0 in open_ctx /src/prog.c:34:21" -> a frame; 0 when LINE is not a frame. */
static int san_frame(struct issue *is, const char *line)
{
    char fn[160] = "?", where[400] = "";
    while (*line == ' ')
        line++;
    if (line[0] != '#')
        return 0;
    const char *in = strstr(line, " in ");
    if (in != NULL) {
        sscanf(in + 4, "%159s", fn);
        const char *loc = in + 4 + strlen(fn);
        while (*loc == ' ')
            loc++;
        if (*loc == '(')
            loc++;
        snprintf(where, sizeof(where), "%s", basename_of(loc));
    } else {
        const char *obj = strchr(line, '(');
        snprintf(where, sizeof(where), "%s", basename_of(obj ? obj + 1 : line));
    }
    where[strcspn(where, " )")] = '\0'; /* drop "(BuildId: ...)" and the '+0x..' object's ')' */
    add_frame(is, fn, where);
    return 1;
}

/* The pid of "==123==ERROR: ..." as "pid 123". */
static void san_proc(const char *line, char *proc, size_t size)
{
    snprintf(proc, size, "pid %ld", line[0] == '=' && line[1] == '=' ? atol(line + 2) : 0L);
}

/* Reads every sanitizer report in TEXT (one run's stderr, all its processes). */
static void read_sanitizers(struct issues *all, char *text)
{
    char proc[160] = "pid ?";
    struct issue *cur = NULL; /* the report whose frames come next */
    int in_leaks = 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (cur && san_frame(cur, line))
            continue;
        if (cur && cur->nframes == 0 && *line != '\0') { /* "WRITE of size 4 at ..." */
            if (strncmp(line, "READ of size ", 13) == 0 || strncmp(line, "WRITE of size ", 14) == 0) {
                const char *at = strstr(line, " at ");
                size_t len = strlen(cur->what);
                snprintf(cur->what + len, sizeof(cur->what) - len, " (%.*s)",
                         (int)(at ? (size_t)(at - line) : strlen(line)), line);
            }
            continue;
        }
        cur = NULL;
        const char *p;
        if ((p = strstr(line, "ERROR: LeakSanitizer:")) != NULL) {
            san_proc(line, proc, sizeof(proc));
            in_leaks = 1;
        } else if ((p = strstr(line, "ERROR: AddressSanitizer: ")) != NULL) {
            san_proc(line, proc, sizeof(proc));
            in_leaks = 0;
            if ((cur = new_issue(all, "memory-error", proc)) != NULL) {
                snprintf(cur->what, sizeof(cur->what), "%s", p + 25);
                cur->what[strcspn(cur->what, " ")] = '\0'; /* the bug's name, not its address */
                cur->sig = fnv(cur->sig, cur->what);
            }
        } else if (in_leaks && (strncmp(line, "Direct leak of ", 15) == 0 ||
                                strncmp(line, "Indirect leak of ", 17) == 0)) {
            if ((cur = new_issue(all, "leak-heap", proc)) != NULL) {
                snprintf(cur->what, sizeof(cur->what), "%s", line);
                char *from = strstr(cur->what, " allocated from:");
                if (from)
                    *from = '\0';
            }
        } else if ((p = strstr(line, ": runtime error: ")) != NULL) {
            struct issue *is = new_issue(all, "undefined", "");
            if (is != NULL) {
                snprintf(is->what, sizeof(is->what), "%s", p + 17);
                line[p - line] = '\0'; /* the location before ": runtime error: ", as a basename */
                snprintf(is->stack, sizeof(is->stack), "%s", basename_of(line));
                is->short_len = strlen(is->stack);
                is->sig = fnv(fnv(is->sig, is->stack), is->what);
            }
        }
    }
}

/* ---- judging ----------------------------------------------------------------------------- */

static void read_run(struct issues *all, const char *dir)
{
    char path[4096];
    all->n = 0;
    snprintf(path, sizeof(path), "%s/valgrind", dir);
    read_valgrind(all, path);
    snprintf(path, sizeof(path), "%s/stderr", dir);
    char *text = slurp(path);
    if (text != NULL)
        read_sanitizers(all, text);
    free(text);
}

static int in_base(const struct issue *is)
{
    for (unsigned i = 0; i < mc.nbase; i++)
        if (mc.base[i] == is->sig)
            return 1;
    return 0;
}

static int rank(const char *kind)
{
    return strcmp(kind, "memory-error") == 0 ? 3 : strcmp(kind, "undefined") == 0 ? 2 : 1;
}

/* memcheck.txt: every issue with its whole stack; the program-level ones marked. */
static void write_details(const char *dir, const struct issues *all)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/memcheck.txt", dir);
    FILE *f = all->n ? fopen(path, "we") : NULL;
    for (unsigned i = 0; f && i < all->n; i++) {
        const struct issue *is = &all->v[i];
        fprintf(f, "%s%s: %s%s%s\n    %s%s\n", is->kind, in_base(is) ? " (program-level)" : "",
                is->what, is->proc[0] ? " in " : "", is->proc, is->stack, is->aux);
    }
    if (f)
        fclose(f);
}

/* The worst issue not in the baseline ("kind: what in proc: stack"), or NULL. */
static const struct issue *worst(const struct issues *all, unsigned *count)
{
    const struct issue *w = NULL;
    *count = 0;
    for (unsigned i = 0; i < all->n; i++) {
        if (in_base(&all->v[i]))
            continue;
        (*count)++;
        if (w == NULL || rank(all->v[i].kind) > rank(w->kind))
            w = &all->v[i];
    }
    return w;
}

static void describe(const struct issue *is, unsigned count, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s: %.*s%s", is->what, is->proc[0] ? " in " : "", is->proc,
             (int)is->short_len, is->stack, is->nframes > SHORT_FRAMES ? " < ..." : "");
    if (count > 1) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, " (+%u more, memcheck.txt)", count - 1);
    }
}

const char *memcheck_judge(const char *celldir, const char *outcome, char *why, size_t size)
{
    static struct issues all;
    unsigned count;
    char text[1400], old[1024];
    read_run(&all, celldir);
    write_details(celldir, &all);
    const struct issue *w = worst(&all, &count);
    if (w == NULL)
        return outcome;
    describe(w, count, text, sizeof(text));
    snprintf(old, sizeof(old), "%s", why);
    int replaces = strcmp(outcome, "ok") == 0 ||
                   (rank(w->kind) > 1 && strcmp(outcome, "hang") != 0);
    if (!replaces) {
        snprintf(why, size, "%s; also %s: %s", old, w->kind, text);
        return outcome;
    }
    if (strcmp(outcome, "ok") == 0)
        snprintf(why, size, "%s", text);
    else
        snprintf(why, size, "%s (and %s: %s)", text, outcome, old);
    return w->kind;
}

const char *memcheck_judge_clean(const char *cleandir, const char *outcome, char *why,
                                 size_t size)
{
    static struct issues all;
    unsigned count;
    char text[1400], old[1024];
    mc.nbase = 0;
    read_run(&all, cleandir);
    write_details(cleandir, &all);
    const struct issue *w = worst(&all, &count);
    for (unsigned i = 0; i < all.n; i++)
        mc.base[mc.nbase++] = all.v[i].sig;
    if (w == NULL)
        return outcome;
    describe(w, count, text, sizeof(text));
    snprintf(old, sizeof(old), "%s", why);
    snprintf(why, size, "program-level (in the clean run, so not repeated per cell): %s%s%s",
             text, strcmp(outcome, "ok") == 0 ? "" : "; and: ", strcmp(outcome, "ok") == 0 ? "" : old);
    return w->kind;
}
