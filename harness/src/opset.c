/*
 * opset.c - the op table a program indexes: the adapter's ops, then the executor's built-ins
 * (hostile peer, process ops), so every target gets those for free.
 */
#include "exec_internal.h"

void sfz_opset_init(struct sfz_opset *set, const struct sfz_adapter *adapter)
{
    set->adapter = adapter;
    set->nops = adapter->nops + sfz_builtin_count();
}

const struct sfz_op *sfz_opset_op(const struct sfz_opset *set, unsigned i)
{
    if (i < set->adapter->nops)
        return &set->adapter->ops[i];
    return i < set->nops ? sfz_builtin_op(i - set->adapter->nops) : NULL;
}
