# Sanitizers and fuzzing instrumentation, chosen by SHMFUZZ_SANITIZE and SHMFUZZ_ENGINE.
# Read by the shmfuzz tree (CMakeLists.txt) and by the installed package (shmfuzzConfig.cmake,
# which picks the defaults for a user's project first): one place says what each engine needs.
# Sets SHMFUZZ_COMPILE_FLAGS (every object of a fuzz build: the user's library too, see
# shmfuzz_add_target) and SHMFUZZ_ENGINE_LINK (the engine drivers' link flags), and applies the
# compile and link flags to everything defined after it.
if(NOT SHMFUZZ_ENGINE MATCHES "^(none|libfuzzer|afl)$")
  message(FATAL_ERROR "SHMFUZZ_ENGINE must be none, libfuzzer or afl (got '${SHMFUZZ_ENGINE}')")
endif()

set(SHMFUZZ_COMPILE_FLAGS "")
set(_shmfuzz_link_flags "")
if(SHMFUZZ_SANITIZE)
  list(JOIN SHMFUZZ_SANITIZE "," _san)
  list(APPEND SHMFUZZ_COMPILE_FLAGS -fsanitize=${_san} -fno-omit-frame-pointer
       -fno-sanitize-recover=all)
  set(_shmfuzz_link_flags -fsanitize=${_san})
endif()

if(SHMFUZZ_ENGINE STREQUAL "libfuzzer")
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SHMFUZZ_ENGINE=libfuzzer needs clang (use the 'libfuzzer' preset, or CC=clang)")
  endif()
  # Everything gets coverage; only the driver executables link the libFuzzer main.
  list(APPEND SHMFUZZ_COMPILE_FLAGS -fsanitize=fuzzer-no-link)
  set(SHMFUZZ_ENGINE_LINK "-fsanitize=fuzzer" CACHE STRING "Link flags of the engine (OSS-Fuzz: $LIB_FUZZING_ENGINE)")
elseif(SHMFUZZ_ENGINE STREQUAL "afl")
  if(NOT CMAKE_C_COMPILER MATCHES "afl-")
    message(FATAL_ERROR "SHMFUZZ_ENGINE=afl needs afl-clang-fast as the C compiler (use the 'afl' preset, or CC=afl-clang-fast)")
  endif()
  set(SHMFUZZ_ENGINE_LINK "")
else()
  set(SHMFUZZ_ENGINE_LINK "")
endif()

# Valgrind 3.19 cannot read clang 14's default DWARF 5 (shared/MEASURED.md); DWARF 4 everywhere.
list(APPEND SHMFUZZ_COMPILE_FLAGS -gdwarf-4)
add_compile_options(${SHMFUZZ_COMPILE_FLAGS})
set_property(GLOBAL PROPERTY SHMFUZZ_COMPILE_FLAGS ${SHMFUZZ_COMPILE_FLAGS}) # for every directory
if(_shmfuzz_link_flags)
  add_link_options(${_shmfuzz_link_flags})
endif()

# The harness and libshmfault are not the code under test: no coverage instrumentation for
# them under libFuzzer, so the engine's feedback (and its time) goes to the target's code.
# (Their loops over fds, rules and ledger slots made ~15 % of the cycles and only noise.)
function(shmfuzz_no_coverage target)
  if(SHMFUZZ_ENGINE STREQUAL "libfuzzer")
    target_compile_options(${target} PRIVATE
      -fno-sanitize-coverage=inline-8bit-counters,indirect-calls,trace-cmp,pc-table)
  endif()
endfunction()
