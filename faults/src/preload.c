/*
 * preload.c - what only the LD_PRELOAD build does (compiled with SHMFAULT_PRELOAD): read the
 * SHMFAULT_* environment before main, refuse bad settings with exit status 2 (never run
 * silently without the faults asked for), arm when main starts by wrapping main through
 * __libc_start_main, and at exit write the leak report and call counts.
 *
 * A set-id program (AT_SECURE) reads none of it: the environment belongs to a less privileged
 * user, so it must not choose files for the program to create or read (one line says so).
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "internal.h"

#ifdef SHMFAULT_PRELOAD

extern char **environ;

static const char *const known[] = {
#define SF_ENV(name, what) #name,
#include "env.def"
#undef SF_ENV
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

enum arm_mode { ARM_MAIN, ARM_LOAD, ARM_NEVER };
static enum arm_mode arm_mode = ARM_MAIN;
static struct sf_outfd ledger = {.fd = -1, .what = "SHMFAULT_LEDGER"};
static int ledger_stderr; /* SHMFAULT_LEDGER=stderr: the copy of stderr made at load */
static int leak_exit = -1;
static int count_at_exit;

static void say(const char *a, const char *b, const char *c, const char *d)
{
    char line[SF_PATH_MAX + 512];
    struct sf_buf buf = {line, sizeof(line) - 1, 0};
    sf_put(&buf, "shmfault: ");
    sf_put(&buf, a);
    if (b)
        sf_put(&buf, b);
    if (c)
        sf_put(&buf, c);
    if (d)
        sf_put(&buf, d);
    line[buf.len++] = '\n';
    sf_write_all(2, line, buf.len);
}

void sf_die(const char *a, const char *b, const char *c)
{
    say(a, b, c, NULL);
    _exit(2);
}

static void warn_unknown(void)
{
    for (char **e = environ; e && *e; e++) {
        if (strncmp(*e, "SHMFAULT_", 9) != 0)
            continue;
        size_t len = strcspn(*e, "=");
        int ok = 0;
        unsigned best = 99, bi = 0;
        for (unsigned i = 0; i < NKNOWN; i++) {
            if (strlen(known[i]) == len && strncmp(*e, known[i], len) == 0)
                ok = 1;
            unsigned d = sf_distance(*e, len, known[i]);
            if (d < best) {
                best = d;
                bi = i;
            }
        }
        if (ok)
            continue;
        char msg[200];
        struct sf_buf b = {msg, sizeof(msg), 0};
        sf_putn(&b, *e, len > 64 ? 64 : len);
        if (best <= 3) {
            sf_put(&b, " ignored (did you mean ");
            sf_put(&b, known[bi]);
            sf_put(&b, "?)");
        } else {
            sf_put(&b, " ignored (docs/faults.md lists the SHMFAULT_* variables)");
        }
        say("unknown variable ", msg, NULL, NULL);
    }
}

/* "shmfault: bad rule 'RULE' [in FILE] at position N: MSG", then exit 2. */
static void bad_rule(const char *spec, const struct shmfault_error *err, const char *file)
{
    char line[600];
    struct sf_buf b = {line, sizeof(line) - 1, 0};
    sf_put(&b, "shmfault: bad rule '");
    if (err->rule_pos >= 0)
        sf_putn(&b, spec + err->rule_pos, (size_t)err->rule_len);
    sf_putc(&b, '\'');
    if (file) {
        sf_put(&b, " in ");
        sf_put(&b, file);
    }
    sf_put(&b, " at position ");
    sf_put_dec(&b, err->pos);
    sf_put(&b, ": ");
    sf_put(&b, err->msg);
    line[b.len++] = '\n';
    sf_write_all(2, line, b.len);
    _exit(2);
}

/* "cannot open|read WHAT=VALUE: reason", exit 2; a symlink is named as the reason. */
static void die_errno(const char *what, const char *value)
{
    int err = errno;
    say(what, value, ": ", err == ELOOP ? "is a symbolic link (not followed)"
                        : err == ENAMETOOLONG ? "path longer than PATH_MAX (4095 bytes)"
                                               : strerror(err));
    _exit(2);
}

#define RULES_FILE_MAX 65536
static char file_rules[RULES_FILE_MAX + 2];

/* The whole file, read to its end (a FIFO or <(...) gives it in pieces); 0 or -1 with errno,
 * and *LEN == RULES_FILE_MAX + 1 when the file is larger than the limit. */
static int read_whole(const char *path, char *buf, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    *len = 0;
    while (*len < max + 1) {
        ssize_t r = read(fd, buf + *len, max + 1 - *len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        *len += (size_t)r;
    }
    close(fd);
    buf[*len] = '\0';
    return 0;
}

static void load_rules(void)
{
    struct shmfault_error err;
    const char *path = getenv("SHMFAULT_RULES_FILE");
    const char *spec = getenv("SHMFAULT_RULES");
    size_t n;
    shmfault_rules_clear();
    if (path && *path) {
        if (read_whole(path, file_rules, RULES_FILE_MAX, &n) != 0)
            die_errno("cannot read SHMFAULT_RULES_FILE=", path);
        if (n > RULES_FILE_MAX)
            sf_die("SHMFAULT_RULES_FILE=", path, " is larger than 64 KiB (65536 bytes)");
        const char *nul = memchr(file_rules, '\0', n);
        if (nul != NULL) {
            char at[24];
            struct sf_buf b = {at, sizeof(at) - 1, 0};
            sf_put_udec(&b, (unsigned long)(nul - file_rules));
            at[b.len] = '\0';
            say("SHMFAULT_RULES_FILE=", path, ": a NUL byte at offset ", at);
            sf_die("rules files are text (no rule after it would be read)", NULL, NULL);
        }
        if (shmfault_rules_set(file_rules, &err) != 0)
            bad_rule(file_rules, &err, path);
    }
    if (spec && *spec && shmfault_rules_add(spec, &err) != 0)
        bad_rule(spec, &err, NULL);
}

static void load_settings(void)
{
    const char *v;
    if ((v = getenv("SHMFAULT_SEED")) && *v) {
        char *end;
        unsigned long long s = strtoull(v, &end, 0);
        if (*end != '\0')
            sf_die("SHMFAULT_SEED='", v, "' is not a number");
        shmfault_seed((uint64_t)s);
    }
    if ((v = getenv("SHMFAULT_ARM")) && *v) {
        if (strcmp(v, "main") == 0)
            arm_mode = ARM_MAIN;
        else if (strcmp(v, "load") == 0)
            arm_mode = ARM_LOAD;
        else if (strcmp(v, "never") == 0)
            arm_mode = ARM_NEVER;
        else
            sf_die("SHMFAULT_ARM='", v, "' is not main, load or never");
    }
    if ((v = getenv("SHMFAULT_TRACE_ALL")) && strcmp(v, "1") == 0)
        sf_trace_all = 1;
    if ((v = getenv("SHMFAULT_TRACE")) && *v && sf_trace_open(v) != 0)
        die_errno("cannot open SHMFAULT_TRACE=", v);
    sf_outfd_close(&ledger);
    ledger_stderr = 0;
    if ((v = getenv("SHMFAULT_LEDGER")) && *v) {
        /* appended, never truncated: every exec'd image of the tree adds its own report; kept
         * open across exec at its slot so a child that switched user still reaches it */
        if (strcmp(v, "stderr") == 0)
            ledger_stderr = 1;
        else if (sf_outfd_open(&ledger, v, SF_SLOT_LEDGER, 0) != 0)
            die_errno("cannot open SHMFAULT_LEDGER=", v);
    }
    if ((v = getenv("SHMFAULT_LEAK_EXIT")) && *v) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end != '\0' || n < 0 || n > 255)
            sf_die("SHMFAULT_LEAK_EXIT='", v, "' is not an exit status 0..255");
        leak_exit = (int)n;
    }
    if ((v = getenv("SHMFAULT_SUPPRESSIONS")) && *v) {
        int rc = sf_suppressions_load(v);
        if (rc == -2)
            sf_die("SHMFAULT_SUPPRESSIONS=", v, " is larger than 64 KiB or holds a NUL byte");
        if (rc < 0)
            die_errno("cannot read SHMFAULT_SUPPRESSIONS=", v);
        if (rc > 0) {
            char n[16];
            struct sf_buf b = {n, sizeof(n), 0};
            sf_put_dec(&b, rc);
            say("SHMFAULT_SUPPRESSIONS=", v, ": bad line ", n);
            sf_die("suppression lines are 'sysv-shm key=0x1234', 'sysv-sem key=N', "
                "'posix-shm name=GLOB' or 'posix-sem name=GLOB' (at most 64 of them)", NULL, NULL);
        }
    }
    if ((v = getenv("SHMFAULT_COUNT")) && strcmp(v, "1") == 0)
        count_at_exit = sf_count_all = 1;
}

static void start_observing(void)
{
    sf_observe = 1;
    shmfault_arm();
}

/* Set-id (AT_SECURE): say once that SHMFAULT_* is ignored, as the dynamic loader does. */
static int secure(void)
{
    if (getauxval(AT_SECURE) == 0)
        return 0;
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, "SHMFAULT_", 9) == 0) {
            say("set-id program (AT_SECURE): every SHMFAULT_* variable is ignored", NULL, NULL,
                NULL);
            break;
        }
    return 1;
}

__attribute__((constructor(102))) static void sf_preload_init(void)
{
    sf_native_name(); /* before any image= rule looks at the name */
    sf_init();
    sf_outfd_keep_stderr();
    if (secure())
        return; /* nothing is read, opened or armed; the interposers pass calls through */
    warn_unknown();
    load_settings();
    load_rules();
    sf_runs_load(0); /* which run of its image this process is (run=N, the trace) */
    const char *fs = getenv("SHMFAULT_FORKSERVER");
    if (fs && *fs && sf_forkserver_serve(fs)) {
        /* a cell: its own stderr and settings, from the environment the server gave it */
        sf_outfd_keep_stderr();
        load_settings();
        load_rules();
        sf_runs_load(1);
    }
    if (arm_mode == ARM_LOAD)
        start_observing();
    else if (arm_mode == ARM_NEVER)
        sf_observe = 1;
}

/* ---- arm when main starts ---------------------------------------------------------------- */

typedef int (*main_fn)(int, char **, char **);
typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void),
                        void *);
int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end);
static main_fn real_main;

static int wrapped_main(int argc, char **argv, char **envp)
{
    if (arm_mode == ARM_MAIN)
        start_observing();
    return real_main(argc, argv, envp);
}

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
    start_fn real = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");
    if (real == NULL)
        sf_die("cannot find libc's __libc_start_main", NULL, NULL);
    real_main = main;
    return real(wrapped_main, argc, argv, init, fini, rtld_fini, stack_end);
}

/* ---- at exit ----------------------------------------------------------------------------- */

static void print_counts(void)
{
    for (unsigned i = 0; i < SF_NFN; i++) {
        unsigned long n = shmfault_calls(i);
        char line[128];
        struct sf_buf b = {line, sizeof(line) - 1, 0};
        if (n == 0)
            continue;
        sf_put(&b, "shmfault: count pid=");
        sf_put_dec(&b, sf_pid);
        sf_put(&b, " fn=");
        sf_put(&b, sf_functions[i].name);
        sf_put(&b, " calls=");
        sf_put_udec(&b, n);
        line[b.len++] = '\n';
        sf_outfd_say(line, b.len);
    }
}

__attribute__((destructor)) static void sf_preload_fini(void)
{
    shmfault_disarm();
    if (count_at_exit)
        print_counts();
    if (sf_shared == NULL || sf_pid != sf_shared->root)
        return;
    sf_report_unfired(2);
    size_t leaks = 0;
    /* checked now: the program may have closed or reused the number since load */
    int fd = ledger_stderr ? sf_outfd_get(sf_outfd_stderr()) : sf_outfd_get(&ledger);
    if (fd >= 0)
        leaks = shmfault_ledger_report(fd);
    else if (leak_exit >= 0)
        leaks = shmfault_ledger_live(NULL, 0);
    if (leaks > 0 && leak_exit >= 0) {
        fflush(NULL); /* the program's own buffered output must not be lost to _exit */
        _exit(leak_exit);
    }
}

#endif /* SHMFAULT_PRELOAD */
