/*
 * native_name.c - under Valgrind, give the process its program's name back.
 *
 * Valgrind runs the program inside its tool's executable, so the kernel names the process
 * "memcheck-amd64-" (the comm is the tool's file name, cut at 15 bytes). Process accounting,
 * ps, the enumerator's Process column and `image=NAME` rules all read that name, so under
 * `--valgrind` every process of a tree was the same "memcheck-amd64-" and an image= point
 * matched nothing. The program's own file name is still in the auxiliary vector (Valgrind
 * builds the client's AT_EXECFN from it), so the name the kernel would have given it natively
 * is known: set it. Outside Valgrind the name already is that one and nothing is changed.
 */
#include "internal.h"

#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>

/* The file names of Valgrind's tool executables start with the tool's name and a dash. */
static int is_valgrind_tool(const char *comm)
{
    static const char *const tools[] = {"memcheck-", "helgrind-", "drd-", "massif-", "callgrind-",
                                        "cachegrind-", "dhat-", "none-", "lackey-", "exp-"};
    for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
        if (strncmp(comm, tools[i], strlen(tools[i])) == 0)
            return 1;
    return 0;
}

void sf_native_name(void)
{
    char comm[16] = "";
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    if (execfn == NULL || prctl(PR_GET_NAME, comm, 0, 0, 0) != 0 || !is_valgrind_tool(comm))
        return;
    const char *base = strrchr(execfn, '/');
    base = base ? base + 1 : execfn;
    if (*base == '\0')
        return;
    char name[16];
    size_t n = strnlen(base, sizeof(name) - 1); /* the kernel keeps 15 bytes of the name */
    memcpy(name, base, n);
    name[n] = '\0';
    if (strcmp(name, comm) != 0)
        (void)prctl(PR_SET_NAME, name, 0, 0, 0);
}
