/*
 * shmfault_absent.c - stands in for libshmfault only while the tree is built without it
 * (faults/ not there yet): no function can be failed, so every fault plan decodes empty and
 * rule strings are refused. harness/CMakeLists.txt uses it only when there is no
 * shmfault_static target, and says so at configure time.
 */
#include <stdio.h>

#include "shmfault.h"

int shmfault_rules_set(const char *spec, struct shmfault_error *err)
{
    if (err) {
        err->pos = -1;
        snprintf(err->msg, sizeof(err->msg), "built without libshmfault: '%s' cannot be armed", spec);
    }
    return -1;
}
int shmfault_rules_set_own(const char *spec, struct shmfault_error *err)
{
    return shmfault_rules_set(spec, err);
}
void shmfault_rules_clear(void) {}
void shmfault_arm(void) {}
void shmfault_disarm(void) {}
int shmfault_armed(void) { return 0; }
void shmfault_reset(void) {}
void shmfault_reset_own(void) {}
unsigned long shmfault_injections(void) { return 0; }
unsigned long shmfault_calls(unsigned function) { (void)function; return 0; }
unsigned long shmfault_calls_after_injection(void) { return 0; }
unsigned long shmfault_failures(void) { return 0; }
int shmfault_last_injection(struct shmfault_injection *out) { (void)out; return -1; }
unsigned shmfault_function_count(void) { return 0; }
const char *shmfault_function_name(unsigned i) { (void)i; return NULL; }
int shmfault_function_lookup(const char *name) { (void)name; return -1; }
int shmfault_function_removes(unsigned i) { (void)i; return 0; }
unsigned shmfault_function_errnos(unsigned i, const int **list) { (void)i; *list = NULL; return 0; }
const char *shmfault_errno_name(int err) { (void)err; return NULL; }
int shmfault_errno_lookup(const char *name) { (void)name; return -1; }
unsigned shmfault_errnos_realistic_union(unsigned i, int peer, int *out, unsigned max)
{
    (void)i, (void)peer, (void)out, (void)max;
    return 0;
}
size_t shmfault_ledger_live(struct shmfault_object *out, size_t max) { (void)out; (void)max; return 0; }
void shmfault_trace_fd(int fd) { (void)fd; }
