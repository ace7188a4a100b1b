/*
 * memcheck.h - heap leaks and memory errors of a black-box run, for `shmfuzz run` and
 * `shmfuzz enumerate` (issue #15). Two sources, one verdict:
 *  - Valgrind memcheck (--valgrind): the program, or shmfault-enum's fork server, starts under
 *    memcheck with one XML file per process (DIR/vg.PID.N); each forked cell and each exec'd
 *    child writes its own, so every process is judged as itself.
 *  - Sanitizer reports on the run's stderr (programs built with -fsanitize=address, leak or
 *    undefined): always read, no option needed.
 * A finding is leak-heap (definite or indirect loss; still-reachable only with
 * --valgrind-reachable), memory-error (invalid access, bad free, uninitialised use, ASan error)
 * or undefined (UBSan). What the clean run already shows is the program's own, judged once.
 */
#ifndef SHMFUZZ_MEMCHECK_H
#define SHMFUZZ_MEMCHECK_H

#include <stddef.h>

/* Options: --valgrind, --valgrind-supp FILE (repeatable), --valgrind-reachable. Returns how
   many arguments OPT (and its value VAL, may be NULL) used: 0 not ours, -1 a missing value. */
int memcheck_option(const char *opt, const char *val);
int memcheck_valgrind(void); /* --valgrind given */

/* The command that starts PROG: PROG itself, or memcheck in front of it writing one XML file
   per process into LOGDIR (created). Also sets SHMFAULT_FORKSERVER_EXE so that only PROG's
   image, not valgrind's launcher, becomes the fork server. NULL (and a message) on failure. */
char **memcheck_command(char **prog, const char *logdir);

/* Moves the Valgrind files a cell left in LOGDIR (all but the server's own, PID 1) into
   CELLDIR/valgrind/. Call once the cell's processes have all ended. */
void memcheck_collect(const char *logdir, const char *celldir);

/* Judges the run in CELLDIR (its valgrind/ files and its stderr) against the clean run's
   baseline: returns the outcome that stands (OUTCOME, or leak-heap / memory-error / undefined)
   and updates WHY. A memory error outranks any outcome but hang; a leak outranks only ok (else
   it is added to WHY). Writes CELLDIR/memcheck.txt with every stack when there is anything. */
const char *memcheck_judge(const char *celldir, const char *outcome, char *why, size_t size);

/* The clean run: what it shows is the program's own (a leak in every run), judged here once as
   "program-level" and left out of every cell judged after. Returns the clean run's outcome. */
const char *memcheck_judge_clean(const char *cleandir, const char *outcome, char *why,
                                 size_t size);

#endif /* SHMFUZZ_MEMCHECK_H */
