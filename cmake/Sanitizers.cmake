# Sanitizers and fuzzing instrumentation, chosen by SHMFUZZ_SANITIZE and SHMFUZZ_ENGINE.
if(SHMFUZZ_SANITIZE)
  list(JOIN SHMFUZZ_SANITIZE "," _san)
  add_compile_options(-fsanitize=${_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_san})
endif()

if(SHMFUZZ_ENGINE STREQUAL "libfuzzer")
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SHMFUZZ_ENGINE=libfuzzer needs clang (use the 'libfuzzer' preset)")
  endif()
  # Everything gets coverage; only the driver executables link the libFuzzer main.
  add_compile_options(-fsanitize=fuzzer-no-link)
  set(SHMFUZZ_ENGINE_LINK "-fsanitize=fuzzer" CACHE STRING "Link flags of the engine (OSS-Fuzz: $LIB_FUZZING_ENGINE)")
elseif(SHMFUZZ_ENGINE STREQUAL "afl")
  if(NOT CMAKE_C_COMPILER MATCHES "afl-")
    message(FATAL_ERROR "SHMFUZZ_ENGINE=afl needs afl-clang-fast as the C compiler (use the 'afl' preset)")
  endif()
  set(SHMFUZZ_ENGINE_LINK "")
else()
  set(SHMFUZZ_ENGINE_LINK "")
endif()

# Valgrind 3.19 cannot read clang 14's default DWARF 5 (shared/MEASURED.md); DWARF 4 everywhere.
add_compile_options(-gdwarf-4)

# The harness and libshmfault are not the code under test: no coverage instrumentation for
# them under libFuzzer, so the engine's feedback (and its time) goes to the target's code.
# (Their loops over fds, rules and ledger slots made ~15 % of the cycles and only noise.)
function(shmfuzz_no_coverage target)
  if(SHMFUZZ_ENGINE STREQUAL "libfuzzer")
    target_compile_options(${target} PRIVATE
      -fno-sanitize-coverage=inline-8bit-counters,indirect-calls,trace-cmp,pc-table)
  endif()
endfunction()
