# programs.cmake - the programs bench/run measures besides the fuzz targets (included from
# bench/CMakeLists.txt; kept apart from bench-fault-cost, which the libshmfault side owns).
#   bench-ceiling-kv                  every preset: the bare loop of figure 2's programs
#   bench-afl-floor                   afl preset: an empty persistent target (figure 2, afl-floor)
#   bench-afl-ceiling-kv              afl preset: the bare loop as a persistent target (ceiling-afl-loop)
#   bench-libfuzzer-floor             libfuzzer preset: an empty fuzz target (libfuzzer-floor)
#   bench-afl-identity.so             afl preset: a custom mutator that changes nothing (afl-fixed)
#   bench-libfuzzer-loop-kv           libfuzzer preset: the kv driver with a mutator that changes
#                                     nothing (libfuzzer-loop)
#   bench-libfuzzer-loop-floor        libfuzzer preset: the empty target with it (libfuzzer-loop-floor)
#   bench-rawbytes-<id>-libfuzzer     libfuzzer preset: the raw-bytes baseline of figure 4,
#                                     one per catalogue entry, on that entry's buggy library

if(TARGET shmipc)
  add_executable(bench-ceiling-kv ${CMAKE_CURRENT_LIST_DIR}/ceiling_kv.c)
  target_link_libraries(bench-ceiling-kv PRIVATE shmipc)
  set_target_properties(bench-ceiling-kv PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
endif()

# bench-libfuzzer-floor (libfuzzer preset only): an empty fuzz target, libFuzzer's own cost per
# input in -runs=N FILE mode (figure 2's libfuzzer-floor row).
if(SHMFUZZ_ENGINE STREQUAL "libfuzzer")
  add_executable(bench-libfuzzer-floor ${CMAKE_CURRENT_LIST_DIR}/libfuzzer_floor.c)
  target_link_options(bench-libfuzzer-floor PRIVATE ${SHMFUZZ_ENGINE_LINK})
  set_target_properties(bench-libfuzzer-floor PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
  # libfuzzer-loop rows: libFuzzer's fuzzing loop (-runs=N DIR) on the seed unchanged, through
  # an identity custom mutator (bench/libfuzzer_identity.c); the kv driver itself (driver_libfuzzer.c
  # without its program mutator: SFZ_NO_PROGRAM_MUTATOR) with the same adapter objects as
  # sfz-shmipc-kv-libfuzzer, and the empty target as its floor. The
  # fuzzing drivers keep their program mutator: these two are bench-only.
  add_executable(bench-libfuzzer-loop-floor ${CMAKE_CURRENT_LIST_DIR}/libfuzzer_floor.c
                 ${CMAKE_CURRENT_LIST_DIR}/libfuzzer_identity.c)
  target_link_options(bench-libfuzzer-loop-floor PRIVATE ${SHMFUZZ_ENGINE_LINK})
  set_target_properties(bench-libfuzzer-loop-floor PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
  if(TARGET sfz_shmipc-kv_adapter)
    add_executable(bench-libfuzzer-loop-kv ${PROJECT_SOURCE_DIR}/harness/drivers/driver_libfuzzer.c
                   ${CMAKE_CURRENT_LIST_DIR}/libfuzzer_identity.c $<TARGET_OBJECTS:sfz_shmipc-kv_adapter>)
    target_compile_definitions(bench-libfuzzer-loop-kv PRIVATE SFZ_NO_PROGRAM_MUTATOR)
    target_link_libraries(bench-libfuzzer-loop-kv PRIVATE shmipc shmfuzz_harness)
    target_link_options(bench-libfuzzer-loop-kv PRIVATE ${SHMFUZZ_ENGINE_LINK})
    set_target_properties(bench-libfuzzer-loop-kv PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
  endif()
endif()

if(SHMFUZZ_ENGINE STREQUAL "libfuzzer" AND DEFINED SHMIPC_BUG_IDS)
  foreach(id ${SHMIPC_BUG_IDS})
    set(exe bench-rawbytes-${id}-libfuzzer)
    add_executable(${exe} ${CMAKE_CURRENT_LIST_DIR}/rawbytes_${SHMIPC_BUG_${id}_PATTERN}.c)
    target_include_directories(${exe} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
    target_link_libraries(${exe} PRIVATE shmipc_bug_${id} rt)
    target_link_options(${exe} PRIVATE ${SHMFUZZ_ENGINE_LINK})
    set_target_properties(${exe} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
  endforeach()
endif()

# bench-afl-floor (afl preset only): an empty persistent target, afl-fuzz's own cap on exec/s
# (figure 2's afl-floor row).
if(SHMFUZZ_ENGINE STREQUAL "afl")
  # both schedule the fork server as the AFL++ driver does (harness/drivers/afl_relay.h)
  add_executable(bench-afl-floor ${CMAKE_CURRENT_LIST_DIR}/afl_floor.c)
  target_include_directories(bench-afl-floor PRIVATE ${PROJECT_SOURCE_DIR}/harness/drivers)
  set_target_properties(bench-afl-floor PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
  # bench-afl-ceiling-kv: the bare loop as a persistent target, one round per input (figure 2's
  # ceiling-afl-loop: afl-fuzz's cost per input in the bare loop as in the afl-fixed rows).
  if(TARGET shmipc)
    add_executable(bench-afl-ceiling-kv ${CMAKE_CURRENT_LIST_DIR}/ceiling_kv.c)
    target_compile_definitions(bench-afl-ceiling-kv PRIVATE BENCH_CEILING_AFL)
    target_include_directories(bench-afl-ceiling-kv PRIVATE ${PROJECT_SOURCE_DIR}/harness/drivers)
    target_link_libraries(bench-afl-ceiling-kv PRIVATE shmipc)
    set_target_properties(bench-afl-ceiling-kv PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
  endif()
  # bench-afl-identity.so: afl-fuzz with it alone runs the seed unchanged (figure 2's afl-fixed);
  # compiled by afl-clang-fast like the rest, so it links the harness's inert AFL++ runtime.
  add_library(bench-afl-identity MODULE ${CMAKE_CURRENT_LIST_DIR}/afl_identity.c
              ${PROJECT_SOURCE_DIR}/harness/drivers/afl_inert_runtime.S)
  set_target_properties(bench-afl-identity PROPERTIES PREFIX "" SUFFIX ".so"
                        LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
endif()
