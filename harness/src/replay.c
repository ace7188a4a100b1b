/*
 * replay.c - the standalone replay program (what CI, Valgrind and gdb run):
 *     sfz-<t>-replay [--decode] [--encode -o OUT] [--trace FILE] [--quiet] [--abort] FILE...
 * Each input is decoded, printed, run, and judged with a "verdict:" line. An input is binary
 * (exactly what the engines ran) unless it says it is text: a name ending in ".txt", a first
 * line "# shmfuzz program", or --text; --binary overrides all three. Never guessed from the
 * bytes: a printable input the engines ran must replay as the engines ran it. Exit 0: every input ok; 1: a finding; 2: usage error or an input that
 * cannot be read or parsed. Many inputs per process, because Valgrind's start-up dominates.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_options.h"
#include "shmfault.h"
#include "shmfuzz/driver.h"
#include "shmfuzz/exec.h"

#define MAX_INPUT (1u << 20)

enum mode { MODE_RUN, MODE_DECODE, MODE_ENCODE };
enum form { FORM_MARKED, FORM_TEXT, FORM_BINARY }; /* FORM_MARKED: as the input says */
struct replay {
    const char *prog_name;
    enum mode mode;
    const char *out;
    const char *trace;
    int quiet, abort_on_finding;
    enum form form;
    struct sfz_opset set;
};

#define TEXT_MARKER "# shmfuzz program"

/* Whether PATH holding DATA is a program in the text form (see the top of this file). */
static int is_text_input(const struct replay *r, const char *path, const uint8_t *data,
                         size_t size)
{
    size_t n = strlen(path), m = strlen(TEXT_MARKER);
    if (r->form != FORM_MARKED)
        return r->form == FORM_TEXT;
    if (n >= 4 && strcmp(path + n - 4, ".txt") == 0)
        return 1;
    return size >= m && memcmp(data, TEXT_MARKER, m) == 0 &&
           (size == m || data[m] == '\n' || data[m] == '\r');
}

#define USAGE                                                                                  \
    "[--decode] [--encode -o OUT] [--text | --binary] [--trace FILE] [--quiet] [--abort] FILE..."

/* --help: the usage on stdout, exit 0; a usage error: one line on stderr, exit 2. */
static int usage(const struct replay *r, const char *why)
{
    if (why == NULL) {
        printf("usage: %s %s\n", r->prog_name, USAGE);
        return 0;
    }
    fprintf(stderr, "%s: %s (usage: %s %s)\n", r->prog_name, why, r->prog_name, USAGE);
    return 2;
}

/* PATH's bytes, in one buffer reused for every input (open, read to the end, close: no stdio
   stream and no allocation per input, which were ~3 % of a two-process replay's CPU). NULL
   with errno set when it cannot be read or holds more than MAX_INPUT bytes. */
static uint8_t *read_input(const char *path, size_t *size)
{
    static uint8_t *buf;
    if (buf == NULL && (buf = malloc(MAX_INPUT + 1)) == NULL)
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t n = 0;
    ssize_t got = 1;
    while (n <= MAX_INPUT && (got = read(fd, buf + n, MAX_INPUT + 1 - n)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            break;
        n += (size_t)got;
    }
    int err = got < 0 ? EIO : EFBIG;
    close(fd);
    if (got < 0 || n > MAX_INPUT) {
        errno = err;
        return NULL;
    }
    *size = n;
    return buf;
}

/* Read and decode PATH (either form); 0, or -1 after printing a one-line error. */
static int load(struct replay *r, const char *path, struct sfz_program *prog)
{
    size_t size = 0;
    uint8_t *data = read_input(path, &size);
    if (data == NULL) {
        fprintf(stderr, "%s: %s: %s\n", r->prog_name, path, strerror(errno));
        return -1;
    }
    int rc = 0;
    if (is_text_input(r, path, data, size)) {
        char err[256];
        unsigned line = 0;
        if (sfz_program_parse(&r->set, (const char *)data, size, prog, &line, err,
                              sizeof(err)) != 0) {
            fprintf(stderr, "%s:%u: %s\n", path, line, err);
            rc = -1;
        }
    } else if (sfz_decode(&r->set, data, size, prog) != SFZ_DECODE_OK) {
        fprintf(stderr, "%s: %s: unknown program format version %u (this build reads 1..%d)\n",
                r->prog_name, path, prog->version, SFZ_FORMAT_VERSION);
        rc = -1;
    }
    return rc;
}

static void print_death(const struct sfz_result *res, unsigned op, int wstatus)
{
    char how[64];
    sfz_death_describe(wstatus, how, sizeof(how));
    printf("worker %s (%s)\n", how,
           res->kind == SFZ_FIND_CRASH && res->finding_op == (int)op ? "not planned" : "planned");
}

static void print_result(const struct replay *r, const struct sfz_program *prog,
                         const struct sfz_result *res)
{
    static const char *const status[] = {"ok", "failed", "skipped", "finding"};
    printf("-- run (%s)\n", res->inprocess ? "in-process" : "forked workers");
    for (unsigned i = 0; i < prog->nops; i++) {
        const struct sfz_op_result *o = &res->ops[i];
        char step[200];
        sfz_step_print(&r->set, &prog->ops[i], step, sizeof(step));
        printf("%3u %s => ", i + 1, step);
        if (o->fate == SFZ_FATE_GONE)
            printf("not run (worker gone)\n");
        else if (o->fate == SFZ_FATE_HUNG)
            printf("hung\n");
        else if (o->fate == SFZ_FATE_DIED)
            print_death(res, i, o->wstatus);
        else
            printf("%s%s%s%s\n", o->status < 4 ? status[o->status] : "?", o->err ? " " : "",
                   o->err ? (shmfault_errno_name(o->err) ? shmfault_errno_name(o->err)
                                                         : strerrorname_np(o->err)) : "",
                   o->injected ? " (fault injected)" : "");
    }
}

static int run_one(struct replay *r, const char *path)
{
    static struct sfz_program prog;
    static struct sfz_result res;
    static char text[16384];
    if (load(r, path, &prog) != 0)
        return 2;
    if (!r->quiet) {
        sfz_program_print(&r->set, &prog, text, sizeof(text));
        printf("%s%s", r->mode == MODE_RUN ? "== program\n" : "", text);
    }
    if (r->mode == MODE_DECODE)
        return 0;
    enum sfz_finding_kind kind = sfz_exec_run(&r->set, &prog, &res);
    if (!r->quiet)
        print_result(r, &prog, &res);
    if (kind == SFZ_FIND_NONE) {
        printf("verdict: ok\n");
        return 0;
    }
    printf("verdict: FINDING %s: %s\n", sfz_finding_name(kind), res.why);
    fflush(stdout);
    if (r->abort_on_finding) {
        fprintf(stderr, "shmfuzz: FINDING %s: %s\n", sfz_finding_name(kind), res.why);
        abort();
    }
    return 1;
}

static int encode(struct replay *r, const char *in)
{
    static struct sfz_program prog;
    uint8_t buf[SFZ_ENCODED_MAX];
    if (load(r, in, &prog) != 0)
        return 2;
    long n = sfz_encode(&r->set, &prog, buf, sizeof(buf));
    FILE *f = n < 0 ? NULL : fopen(r->out, "wb");
    if (f == NULL || fwrite(buf, 1, (size_t)n, f) != (size_t)n || fclose(f) != 0) {
        fprintf(stderr, "%s: %s: %s\n", r->prog_name, r->out,
                n < 0 ? "program does not encode" : strerror(errno));
        return 2;
    }
    return 0;
}

static int parse_args(struct replay *r, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"decode", no_argument, NULL, 'd'}, {"encode", no_argument, NULL, 'e'},
        {"trace", required_argument, NULL, 't'}, {"quiet", no_argument, NULL, 'q'},
        {"abort", no_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'},
        {"text", no_argument, NULL, 'T'}, {"binary", no_argument, NULL, 'B'}, {0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': r->mode = MODE_DECODE; break;
        case 'e': r->mode = MODE_ENCODE; break;
        case 't': r->trace = optarg; break;
        case 'q': r->quiet = 1; break;
        case 'a': r->abort_on_finding = 1; break;
        case 'o': r->out = optarg; break;
        case 'T': r->form = FORM_TEXT; break;
        case 'B': r->form = FORM_BINARY; break;
        case 'h': return usage(r, NULL) - 1; /* -1: help printed, exit 0 */
        default: return usage(r, "unknown option or missing argument");
        }
    }
    if (optind >= argc)
        return usage(r, "no input files");
    if (r->mode == MODE_ENCODE && (r->out == NULL || argc - optind != 1))
        return usage(r, "--encode takes one input and -o OUT");
    if (r->mode != MODE_ENCODE && r->out != NULL)
        return usage(r, "-o only goes with --encode");
    return 0;
}

static int start_executor(struct replay *r, const struct sfz_adapter *adapter)
{
    struct sfz_exec_options opt;
    char err[256];
    if (sfz_options_from_env(&opt, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s\n", r->prog_name, err);
        return 2;
    }
    opt.isolate = 1; /* a crash must end in a verdict line, not kill the replay */
    if (r->trace) {
        int fd = open(r->trace, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0) {
            fprintf(stderr, "%s: %s: %s\n", r->prog_name, r->trace, strerror(errno));
            return 2;
        }
        shmfault_trace_fd(fd);
    }
    if (sfz_exec_init(adapter, &opt, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s\n", r->prog_name, err);
        return 3;
    }
    return 0;
}

int sfz_replay_main(const struct sfz_adapter *adapter, int argc, char **argv)
{
    struct replay r = {0};
    const char *slash = strrchr(argv[0], '/');
    r.prog_name = slash ? slash + 1 : argv[0];
    sfz_opset_init(&r.set, adapter);
    int rc = parse_args(&r, argc, argv);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if (r.mode == MODE_ENCODE)
        return encode(&r, argv[optind]);
    if (r.mode == MODE_RUN && (rc = start_executor(&r, adapter)) != 0)
        return rc;
    int worst = 0;
    for (int i = optind; i < argc; i++) {
        if (!r.quiet && argc - optind > 1)
            printf("== input %s\n", argv[i]);
        int one = run_one(&r, argv[i]);
        worst = one > worst ? one : worst;
        fflush(stdout);
    }
    if (r.mode == MODE_RUN)
        sfz_exec_shutdown();
    return worst;
}
