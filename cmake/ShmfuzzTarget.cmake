# shmfuzz_add_target(NAME <name> SOURCES <adapter .c files> [LIBRARIES <libs>] [SUMMARY <text>]
#                    [INTERNAL])
# Turns one adapter (the sources define SFZ_TARGET(adapter)) into fuzz target binaries in
# ${CMAKE_BINARY_DIR}/bin:
#   sfz-<name>-replay     always: runs saved inputs, prints programs and verdicts
#   sfz-<name>-libfuzzer  when SHMFUZZ_ENGINE=libfuzzer (link flags: SHMFUZZ_ENGINE_LINK,
#                         OSS-Fuzz sets it to $LIB_FUZZING_ENGINE)
#   sfz-<name>-afl        when SHMFUZZ_ENGINE=afl (compiler afl-clang-fast), with
#   sfz-<name>-afl-mutator.so  its program-level mutator (AFL_CUSTOM_MUTATOR_LIBRARY)
# and lists the target in ${CMAKE_BINARY_DIR}/shmfuzz-targets.tsv ("<name>\t<summary>") for
# `shmfuzz list`, unless INTERNAL (test-only targets). See docs/adapters.md.
function(_shmfuzz_driver exe driver adapter_objects libraries)
  get_filename_component(drivers ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/../harness/drivers ABSOLUTE)
  add_executable(${exe} ${drivers}/${driver} $<TARGET_OBJECTS:${adapter_objects}>)
  # The adapter's libraries first: libshmfault (behind shmfuzz_harness) must come after every
  # object that calls shmget & co., so its definitions interpose libc's.
  target_link_libraries(${exe} PRIVATE ${libraries} shmfuzz_harness)
  set_target_properties(${exe} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
endfunction()

function(shmfuzz_add_target)
  cmake_parse_arguments(T "INTERNAL" "NAME;SUMMARY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT T_NAME OR NOT T_NAME MATCHES "^[a-z0-9][a-z0-9_-]*$")
    message(FATAL_ERROR "shmfuzz_add_target: NAME must be lower-case letters, digits, - or _ (got '${T_NAME}')")
  endif()
  if(NOT T_SOURCES)
    message(FATAL_ERROR "shmfuzz_add_target(${T_NAME}): SOURCES (the adapter's .c files) are required")
  endif()
  if(T_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "shmfuzz_add_target(${T_NAME}): unknown arguments: ${T_UNPARSED_ARGUMENTS}")
  endif()
  set(objects sfz_${T_NAME}_adapter)
  add_library(${objects} OBJECT ${T_SOURCES})
  target_link_libraries(${objects} PRIVATE ${T_LIBRARIES} shmfuzz_harness)
  _shmfuzz_driver(sfz-${T_NAME}-replay driver_replay.c ${objects} "${T_LIBRARIES}")
  if(SHMFUZZ_ENGINE STREQUAL "libfuzzer")
    _shmfuzz_driver(sfz-${T_NAME}-libfuzzer driver_libfuzzer.c ${objects} "${T_LIBRARIES}")
    target_link_options(sfz-${T_NAME}-libfuzzer PRIVATE ${SHMFUZZ_ENGINE_LINK})
  elseif(SHMFUZZ_ENGINE STREQUAL "afl")
    _shmfuzz_driver(sfz-${T_NAME}-afl driver_afl.c ${objects} "${T_LIBRARIES}")
    # The program-level mutator for afl-fuzz (AFL_CUSTOM_MUTATOR_LIBRARY).
    get_filename_component(drivers ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/../harness/drivers ABSOLUTE)
    add_library(sfz-${T_NAME}-afl-mutator MODULE ${drivers}/driver_afl_mutator.c
                ${drivers}/afl_inert_runtime.S $<TARGET_OBJECTS:${objects}>)
    target_link_libraries(sfz-${T_NAME}-afl-mutator PRIVATE ${T_LIBRARIES} shmfuzz_harness)
    set_target_properties(sfz-${T_NAME}-afl-mutator PROPERTIES PREFIX "" SUFFIX ".so"
                          LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
  endif()
  if(NOT T_INTERNAL)
    set(summary "${T_SUMMARY}")
    if(NOT summary)
      list(GET T_SOURCES 0 summary)
    endif()
    file(APPEND ${CMAKE_BINARY_DIR}/shmfuzz-targets.tsv "${T_NAME}\t${summary}\n")
  endif()
endfunction()
