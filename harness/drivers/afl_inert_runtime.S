/*
 * afl_inert_runtime.S - stand-ins for the two AFL++ runtime symbols that afl-clang-fast's
 * instrumentation references, for the custom mutator shared object only (afl-fuzz loads it and
 * has no coverage map to feed). Assembly because afl-clang-fast instruments every C file, and
 * an instrumented file cannot define the symbols its own instrumentation declares.
 * Guards stay 0, so every edge counts into byte 0 of the inert map.
 */
    .globl __afl_area_ptr
    .globl __sanitizer_cov_trace_pc_guard_init
    .bss
    .balign 64
inert_map:
    .zero 65536
    .data
    .balign 8
__afl_area_ptr:
    .quad inert_map
    .text
__sanitizer_cov_trace_pc_guard_init:
    ret
    .section .note.GNU-stack,"",@progbits
