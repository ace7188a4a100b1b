/*
 * judge.c - the one judge of `shmfuzz enumerate`, for both cell runners (docs/cli.md
 * "enumerate: the matrix"). A replay cell (a harness input, replay_runner.c) is judged by the
 * harness's own oracles: its verdict line is the evidence (verdict_outcome). A black-box cell
 * (the fork server) is judged from what its whole process tree did. Order: a crash of its own
 * before the time box (the peer that then waited for it is not the finding); a hang; a death
 * nobody planned anywhere in the tree (the main process by any signal, any other process by a
 * signal it dies of by its own fault); the fault not reached; a planned crash (what follows it
 * is the plan's doing); a process left running that no clean run leaves running (an orphan:
 * a hang); then the main process's exit status, the objects left that no clean run leaves or
 * that a creator failing after the fault left, and whether the failure was retried, reported
 * or passed over in silence.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>

#include "enum.h"
#include "shmfault.h"

static const char *sig_name(int sig)
{
    const char *n = sigabbrev_np(sig);
    return n ? n : "?";
}

/* 1 if object line L was left by clean run B (used marks matches, so counts are compared). */
static int left_by(const struct run *b, const char *l, int *used)
{
    for (unsigned j = 0; j < b->nleft; j++)
        if (!used[j] && strcmp(b->left[j], l) == 0) {
            used[j] = 1;
            return 1;
        }
    return 0;
}

/* Objects R left that no clean run left (multiset difference per run), the first three; the
   objects a clean run also left (or that are suppressed) are marked in OLD. */
static void new_objects(const struct verdict_ctx *x, const struct run *r, char *out, size_t size,
                        int *old)
{
    unsigned shown = 0;
    out[0] = '\0';
    static int used[8][ENUM_MAX_LEFT];
    memset(used, 0, sizeof(used));
    for (unsigned i = 0; i < r->nleft; i++) {
        int matched = enum_suppressed(r->left[i]);
        for (unsigned b = 0; b < x->nbase && b < 8 && !matched; b++)
            matched = left_by(x->base[b], r->left[i], used[b]);
        old[i] = matched;
        if (matched || shown == 3)
            continue;
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s%s", shown ? ";" : "", r->left[i]);
        shown++;
    }
}

/* How process D ended, in words: "exit N", "killed by SIGX", "still running". */
static void ending(const struct death *d, char *out, size_t size)
{
    if (d->at_cleanup)
        snprintf(out, size, "still running");
    else if (d->sig)
        snprintf(out, size, "killed by %s", sigabbrev_np(d->sig) ? sigabbrev_np(d->sig) : "?");
    else
        snprintf(out, size, "exit %d", d->code);
}

/* Object I of R, which a clean run also leaves, is R's leak all the same when the process that
   created it got an injected errno after creating it and then exited with an error status,
   while in every clean run that leaves it the creator (the same image) ended otherwise:
   still running, killed, or another exit status. That is an error path leaving what it made
   (shmem_sendbuf's shmbuf_create, docs/outside-projects.md); a creator that exits 0 (a writer
   leaving its object for a reader) is never held to this, nor one that ended in the clean runs
   as it ends here. The clean runs' ending goes into CLEAN. Unknown creators: not judged. */
static int failing_creator_left(const struct verdict_ctx *x, const struct run *r, unsigned i,
                                char *clean, size_t size)
{
    const struct death *d = enum_death_of(r, r->left_creator[i]);
    unsigned seen = 0;
    if (r->left_creator[i] <= 0 || !r->left_faulted[i] || d == NULL || d->sig || d->at_cleanup ||
        d->code == 0)
        return 0;
    for (unsigned b = 0; b < x->nbase; b++) {
        const struct run *c = x->base[b];
        for (unsigned j = 0; j < c->nleft; j++) {
            if (strcmp(c->left[j], r->left[i]) != 0)
                continue;
            const struct death *e = enum_death_of(c, c->left_creator[j]);
            if (c->left_creator[j] <= 0 || e == NULL || strcmp(e->comm, d->comm) != 0)
                return 0; /* made by another image, or by nobody known: not comparable */
            if (!e->sig && !e->at_cleanup && e->code == d->code)
                return 0; /* it ends so without any fault too */
            if (seen++ == 0)
                ending(e, clean, size);
        }
    }
    return seen > 0;
}

/* The objects (the first two) that R left by failing_creator_left, each with its creator. */
static void failed_creators(const struct verdict_ctx *x, const struct run *r, const int *old,
                            char *out, size_t size)
{
    unsigned shown = 0;
    char clean[48];
    out[0] = '\0';
    for (unsigned i = 0; i < r->nleft && shown < 2; i++) {
        if (!old[i] || enum_suppressed(r->left[i]) ||
            !failing_creator_left(x, r, i, clean, sizeof(clean)))
            continue;
        const struct death *d = enum_death_of(r, r->left_creator[i]);
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s%s (its creator %s, pid %ld, exited %d after the "
                 "fault without removing it; in the clean runs: %s)", shown ? ";" : "",
                 r->left[i], d->comm, d->pid, d->code, clean);
        shown++;
    }
}

static int planned(const struct run *r, long pid, int sig)
{
    for (unsigned i = 0; i < r->ninj; i++)
        if (r->inj[i].pid == pid && r->inj[i].sig == sig)
            return 1;
    return 0;
}

/* The first death of the tree that nobody planned and that is a crash; NULL if none. */
static const struct death *unplanned_crash(const struct run *r)
{
    for (unsigned i = 0; i < r->ndeaths; i++) {
        const struct death *d = &r->deaths[i];
        if (d->sig == 0 || d->at_cleanup || planned(r, d->pid, d->sig))
            continue;
        /* a child ended by SIGKILL or SIGTERM was most likely stopped by its own parent */
        if (d->pid == r->main_pid || enum_crash_signal(d->sig))
            return d;
    }
    return NULL;
}

/* In a cell that hit the time box: a process that died of a crash signal of its own (not the
   plan's, not the server's kill at the end) before it. Its peer then waits forever for it, and
   the crash, not the wait, is what the user must see (SIGKILL never counts here: the server
   kills with it at the time box). */
static const struct death *crash_before_hang(const struct run *r)
{
    for (unsigned i = 0; i < r->ndeaths; i++) {
        const struct death *d = &r->deaths[i];
        if (d->sig != 0 && !d->at_cleanup && enum_crash_signal(d->sig) &&
            !planned(r, d->pid, d->sig))
            return d;
    }
    return NULL;
}

/* A process of the tree still running when the main one ended (a daemon), or NULL. */
static const struct death *alive_at_end(const struct run *r)
{
    for (unsigned i = 0; i < r->ndeaths; i++)
        if (r->deaths[i].at_cleanup)
            return &r->deaths[i];
    return NULL;
}

static int every_base_has_daemon(const struct verdict_ctx *x)
{
    for (unsigned b = 0; b < x->nbase; b++)
        if (alive_at_end(x->base[b]) == NULL)
            return 0;
    return x->nbase > 0;
}

/* How many processes named COMM, other than the main one, R had still running at its end
   (AT_END), or that ended after the main one, at the end or before (else). */
static unsigned after_main(const struct run *r, const char *comm, int at_end)
{
    unsigned n = 0;
    for (unsigned i = 0; i < r->ndeaths; i++) {
        const struct death *d = &r->deaths[i];
        n += (at_end ? d->at_cleanup : d->outlived) && d->pid != r->main_pid &&
             strcmp(d->comm, comm) == 0;
    }
    return n;
}

/* A process the fault left running: still running when R's main process had ended and the
   grace after it was over (the fork server gives the rest of the tree the --timeout again),
   of an image of which no clean run had as many processes outlive its main process at all. A
   daemon the clean runs leave running too (a launcher's) is no orphan, nor a child that
   outlives its parent in the clean runs as well and is only slower this time (no luck of the
   clock decides); a clean run is judged alone, never so. */
static const struct death *orphan(const struct verdict_ctx *x, const struct run *r)
{
    for (unsigned i = 0; i < r->ndeaths && x->nbase > 0; i++) {
        const struct death *d = &r->deaths[i];
        if (!d->at_cleanup || d->pid == r->main_pid)
            continue;
        unsigned most = 0, here = after_main(r, d->comm, 1);
        for (unsigned b = 0; b < x->nbase; b++) {
            unsigned n = after_main(x->base[b], d->comm, 0);
            most = n > most ? n : most;
        }
        if (here > most)
            return d;
    }
    return NULL;
}

/* Did a clean run fail the same way (its own instability, not the fault's)? */
static int like_a_clean_run(const struct verdict_ctx *x, const struct run *r)
{
    for (unsigned b = 0; b < x->nbase; b++) {
        const struct run *c = x->base[b];
        if (c->sig == r->sig && c->code == r->code && strcmp(c->first_err, r->first_err) == 0)
            return 1;
    }
    return 0;
}

/* Does TEXT mention the failure: its errno (name or strerror), the function, or a word
   programs report failures with? (A pid or a time stamp alone is no report.) */
static int mentions_failure(const struct run *r, const char *fn, const char *text)
{
    static const char *const words[] = {"fail", "error", "cannot", "can't", "unable",
                                        "warning", "could not", "couldn't"};
    for (unsigned i = 0; i < r->ninj; i++) {
        int e = r->inj[i].err;
        if (e && (strstr(text, strerror(e)) || strstr(text, shmfault_errno_name(e))))
            return 1;
    }
    if (fn[0] && strstr(text, fn))
        return 1;
    for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++)
        if (strcasestr(text, words[w]))
            return 1;
    return 0;
}

/* Is LINE (LEN bytes) a whole line of TEXT? */
static int has_line(const char *text, const char *line, size_t len)
{
    for (const char *t = text; *t; t += strcspn(t, "\n"), t += *t == '\n') {
        size_t n = strcspn(t, "\n");
        if (n == len && strncmp(t, line, len) == 0)
            return 1;
    }
    return 0;
}

/* The first line of R's stdout that no clean run prints and that mentions the failure, into
   OUT; 0 if there is none. A program that exits non-zero and says why on stdout (printf:
   mksSemaphores, shmem_sendbuf, docs/outside-projects.md) did give an error message. */
static int stdout_report(const struct verdict_ctx *x, const struct run *r, const char *fn,
                         char *out, size_t size)
{
    for (const char *l = r->out_text; *l; l += strcspn(l, "\n"), l += *l == '\n') {
        size_t len = strcspn(l, "\n");
        char line[160];
        snprintf(line, sizeof(line), "%.*s", (int)(len < 159 ? len : 159), l);
        int seen = 0;
        for (unsigned b = 0; b < x->nbase && !seen; b++)
            seen = has_line(x->base[b]->out_text, l, len);
        if (!seen && len > 0 && mentions_failure(r, fn, line)) {
            snprintf(out, size, "%.80s", line);
            return 1;
        }
    }
    return 0;
}

/* Did the program say something about the failure that no clean run says? (stderr only: at
   exit 0 a new line of stdout is as likely to be the program's normal output.) */
static int reported(const struct verdict_ctx *x, const struct run *r, const char *fn)
{
    if (!r->said_why || !mentions_failure(r, fn, r->err_text))
        return 0;
    for (unsigned b = 0; b < x->nbase; b++)
        if (strcmp(x->base[b]->err_text, r->err_text) == 0)
            return 0;
    return 1;
}

/* A failed removal (a removal command, not just a removing function) leaves the object. Which
   functions remove is the table's object effect; of those, the System V control functions
   remove only with the IPC_RMID command (their other commands read or set). */
static int removal_call(const struct verdict_ctx *x)
{
    if (x->fn < 0 || !shmfault_function_removes((unsigned)x->fn))
        return 0;
    const char *n = shmfault_function_name((unsigned)x->fn);
    if (strcmp(n, "shmctl") == 0 || strcmp(n, "semctl") == 0)
        return x->cls == IPC_RMID;
    return 1;
}

/* Every injected errno of the cell retried (or, after EEXIST, the object opened)? Injections
   on a call of another class than the point's are left out: a rule fires at call N of every
   process of its image, and a tool run twice (control -c, then control -r) makes another call
   there, where that errno could not happen (docs/outside-projects.md). */
static int all_retried(const struct verdict_ctx *x, const struct run *r, int *fell_back)
{
    unsigned n = 0;
    *fell_back = 0;
    for (unsigned i = 0; i < r->ninj; i++) {
        if (r->inj[i].sig != 0 || (r->inj[i].fn == x->fn && r->inj[i].cls != x->cls))
            continue;
        *fell_back |= r->inj[i].retried == 2;
        if (!r->inj[i].retried)
            return 0;
        n++;
    }
    return n > 0;
}

static const char *exit_outcome(const struct verdict_ctx *x, const struct run *r,
                                const char *fresh, const char *owned, char *why, size_t size)
{
    const char *name = x->fn >= 0 ? shmfault_function_name((unsigned)x->fn) : "";
    const struct death *daemon = alive_at_end(r);
    char msg[96], news[1200];
    /* a clean run is judged alone (no base): a process still running holds what it left */
    int daemon_owns = fresh[0] && daemon && (x->nbase == 0 || every_base_has_daemon(x));
    if (daemon_owns && !owned[0]) {
        snprintf(why, size, "exit %d; %s (pid %ld) still runs and holds what is left: %s",
                 r->code, daemon->comm, daemon->pid, fresh);
        return "ok";
    }
    /* what is left and not excused: the new objects (unless a daemon holds them) and those a
       failing creator left (their creator is known, and gone) */
    snprintf(news, sizeof(news), "%s%s%s", daemon_owns ? "" : fresh,
             !daemon_owns && fresh[0] && owned[0] ? ";" : "", owned);
    if (r->code == 0) {
        if (news[0]) {
            snprintf(why, size, "exit 0, left behind: %s", news);
            return "leak";
        }
        if (x->kind == KIND_NONE) {
            snprintf(why, size, "exit 0");
            return "ok";
        }
        int fell_back;
        if (all_retried(x, r, &fell_back)) {
            if (fell_back)
                snprintf(why, size, "recovered: after EEXIST opened the existing object (same "
                         "%s key or name); exit 0", name);
            else
                snprintf(why, size, "recovered: retried the same %s call, which succeeded; "
                         "exit 0", name);
            return "ok";
        }
        if (reported(x, r, name)) {
            snprintf(why, size, "handled: reported \"%s\" and carried on; exit 0", r->first_err);
            return "ok";
        }
        snprintf(why, size, "exit 0 although %s failed, silently and without a retry", name);
        return "swallowed";
    }
    if (x->kind == KIND_NONE) {
        snprintf(why, size, "exit %d without any fault%s%s", r->code, r->said_why ? ": " : "",
                 r->first_err);
        return "error-exit";
    }
    if (like_a_clean_run(x, r)) {
        snprintf(why, size, "exit %d, as a clean run also did (the program is not stable)",
                 r->code);
        return "ok";
    }
    /* the message: stderr's first line, or a new line of stdout that tells of the failure */
    snprintf(msg, sizeof(msg), "%s", r->first_err);
    if (!r->said_why && !stdout_report(x, r, name, msg, sizeof(msg))) {
        snprintf(why, size, "exit %d without an error message", r->code);
        return "error-exit";
    }
    if (news[0] && removal_call(x)) {
        snprintf(why, size, "failed cleanly (exit %d); the failed removal left: %s", r->code, news);
        return "ok";
    }
    if (news[0]) {
        snprintf(why, size, "exit %d, left behind: %s", r->code, news);
        return "leak";
    }
    snprintf(why, size, "failed cleanly: exit %d, \"%s\"", r->code, msg);
    return "ok";
}

/* A finding kind as a string that lives as long as the matrix (cells keep the pointer). */
static const char *intern_kind(const char *kind, size_t len)
{
    static char kinds[32][32];
    static unsigned n;
    if (len == 0 || len >= sizeof(kinds[0]))
        return "error";
    for (unsigned i = 0; i < n; i++)
        if (strlen(kinds[i]) == len && strncmp(kinds[i], kind, len) == 0)
            return kinds[i];
    if (n == sizeof(kinds) / sizeof(kinds[0]))
        return "error";
    snprintf(kinds[n], sizeof(kinds[0]), "%.*s", (int)len, kind);
    return kinds[n++];
}

/* A replay cell: the harness's verdict. "ok" is ok; "FINDING KIND: WHY" is outcome KIND with
   its why; no verdict is a hang when the time box ended the run, an error otherwise. A failure
   a clean run also showed (same verdict) is the input's own instability, not the fault's. */
static const char *verdict_outcome(const struct verdict_ctx *x, const struct run *r, char *why,
                                   size_t size)
{
    const char *v = r->verdict;
    if (strcmp(v, "ok") == 0) {
        snprintf(why, size, "verdict ok");
        return "ok";
    }
    if (v[0] == '\0') {
        if (r->timed_out) {
            snprintf(why, size, "no verdict in %u s", x->timeout_s);
            return "hang";
        }
        char err[201];
        snprintf(err, sizeof(err), "%.200s", r->err_text);
        for (char *c = err; *c; c++)
            *c = *c == '\n' ? ' ' : *c;
        snprintf(why, size, "replay exit %d: %s", r->status, err);
        return "error";
    }
    for (unsigned b = 0; b < x->nbase; b++)
        if (strcmp(x->base[b]->verdict, v) == 0) {
            snprintf(why, size, "verdict \"%.200s\", as a clean run also gave (the input is not "
                     "stable)", v);
            return "ok";
        }
    if (strncmp(v, "FINDING ", 8) != 0) {
        snprintf(why, size, "verdict \"%.200s\" is neither ok nor a finding", v);
        return "error";
    }
    const char *kind = v + 8, *colon = strstr(kind, ": ");
    size_t len = colon ? (size_t)(colon - kind) : strcspn(kind, ":");
    snprintf(why, size, "%s", colon ? colon + 2 : kind);
    return intern_kind(kind, len);
}

int enum_clean_failed(const struct run *r, const char *outcome)
{
    if (strcmp(outcome, "ok") == 0)
        return 0;
    /* a black-box clean run may leave objects (a writer leaves its segment for a reader): that
       is the program's protocol, judged on row 0; a harness finding without any fault is not */
    return r->replay || strcmp(outcome, "leak") != 0;
}

const char *enum_judge(const struct verdict_ctx *x, const struct run *r, char *why, size_t size)
{
    if (r->replay)
        return verdict_outcome(x, r, why, size);
    char news[512], owned[640];
    int old[ENUM_MAX_LEFT];
    new_objects(x, r, news, sizeof(news), old);
    failed_creators(x, r, old, owned, sizeof(owned));
    if (r->timed_out) {
        const struct death *c = crash_before_hang(r);
        if (c != NULL) {
            snprintf(why, size, "%s%s (pid %ld) killed by signal %d (%s), then the rest of the "
                     "tree waited for it until the time box (%u s)",
                     c->pid == r->main_pid ? "" : "a child, ", c->comm, c->pid, c->sig,
                     sig_name(c->sig), x->timeout_s);
            return "crash";
        }
        /* a peer the plan killed is never heard from again: waiting for it is no defect */
        for (unsigned i = 0; i < r->ninj; i++)
            if (r->inj[i].sig != 0 && r->inj[i].pid != r->main_pid) {
                const struct death *k = enum_death_of(r, r->inj[i].pid);
                snprintf(why, size, "killed as planned: %s (pid %ld); the rest of the tree "
                         "waited for it until the time box (%u s)", k ? k->comm : "?",
                         r->inj[i].pid, x->timeout_s);
                return "ok";
            }
        snprintf(why, size, "still running after %u s", x->timeout_s);
        return "hang";
    }
    const struct death *d = unplanned_crash(r);
    if (d != NULL) {
        snprintf(why, size, "%s%s (pid %ld) killed by signal %d (%s)",
                 d->pid == r->main_pid ? "" : "a child, ", d->comm, d->pid, d->sig,
                 sig_name(d->sig));
        return "crash";
    }
    if (r->sig != 0 && r->ndeaths == 0) { /* no accounting records: the main process only */
        int ok = 0;
        for (unsigned i = 0; i < r->ninj; i++)
            ok |= r->inj[i].sig == r->sig;
        if (!ok) {
            snprintf(why, size, "killed by signal %d (%s)", r->sig, sig_name(r->sig));
            return "crash";
        }
    }
    if (x->kind != KIND_NONE && r->ninj == 0) {
        snprintf(why, size, "not reached: nothing injected (exit %d)", r->status);
        return "ok";
    }
    for (unsigned i = 0; i < r->ninj; i++) {
        if (r->inj[i].sig == 0)
            continue;
        const struct death *k = enum_death_of(r, r->inj[i].pid);
        snprintf(why, size, "killed as planned: %s (pid %ld)%s%s", k ? k->comm : "?",
                 r->inj[i].pid,
                 news[0] ? "; left behind (a killed process cannot clean up): " : "", news);
        return "ok";
    }
    const struct death *o = orphan(x, r);
    if (o != NULL) {
        snprintf(why, size, "%s %d, but %s (pid %ld) still ran %u s later, and in no clean run "
                 "does it outlive the main process: an orphan the fault left blocked",
                 r->sig ? "killed by signal" : "exit", r->sig ? r->sig : r->code, o->comm,
                 o->pid, x->timeout_s);
        return "hang";
    }
    return exit_outcome(x, r, news, owned, why, size);
}
