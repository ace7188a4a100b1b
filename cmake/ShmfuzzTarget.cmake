# shmfuzz_add_target(NAME <name> ADAPTER <adapter .c files> [LIBRARIES <libs>]
#                    [SEEDS <dir>] [DICT <file>] [SUMMARY <text>] [INTERNAL])
# Turns one adapter (the sources define SFZ_TARGET(adapter)) into fuzz target binaries in
# ${CMAKE_BINARY_DIR}/bin:
#   sfz-<name>-replay     always: runs saved inputs, prints programs and verdicts, encodes seeds
#   sfz-<name>-libfuzzer  when SHMFUZZ_ENGINE=libfuzzer (link flags: SHMFUZZ_ENGINE_LINK,
#                         OSS-Fuzz sets it to $LIB_FUZZING_ENGINE)
#   sfz-<name>-afl        when SHMFUZZ_ENGINE=afl (compiler afl-clang-fast), with
#   sfz-<name>-afl-mutator.so  its program-level mutator (AFL_CUSTOM_MUTATOR_LIBRARY)
# The LIBRARIES that are targets of this project (the code under test) are compiled with the
# engine's flags (coverage, sanitizers: SHMFUZZ_COMPILE_FLAGS), wherever they were defined.
# SEEDS: a directory of text-form programs (*.txt), encoded at build time into
# ${CMAKE_BINARY_DIR}/corpus/<name>/; DICT: a dictionary, copied to corpus/<name>.dict.
# Lists the target in ${CMAKE_BINARY_DIR}/shmfuzz-targets.tsv ("<name>\t<summary>"), the
# manifest `shmfuzz list` and `shmfuzz ... --build-dir` read, unless INTERNAL (test-only).
# SOURCES is the older name of ADAPTER. The same file serves the shmfuzz tree (included by
# harness/CMakeLists.txt) and the installed package (shmfuzzConfig.cmake): docs/adapters.md.

function(_shmfuzz_driver exe driver adapter_objects libraries)
  get_filename_component(drivers ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/../harness/drivers ABSOLUTE)
  add_executable(${exe} ${drivers}/${driver} $<TARGET_OBJECTS:${adapter_objects}>)
  # The adapter's libraries first: libshmfault (behind shmfuzz_harness) must come after every
  # object that calls shmget & co., so its definitions interpose libc's.
  target_link_libraries(${exe} PRIVATE ${libraries} shmfuzz_harness)
  set_target_properties(${exe} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
endfunction()

# The code under test gets the engine's instrumentation even when it was defined before the
# flags were set (a user's library added before find_package(shmfuzz)). Imported and interface
# libraries are left as they are: there is nothing of theirs to compile.
function(_shmfuzz_instrument libraries)
  get_property(flags GLOBAL PROPERTY SHMFUZZ_COMPILE_FLAGS)
  foreach(lib ${libraries})
    if(NOT TARGET ${lib})
      continue()
    endif()
    get_target_property(imported ${lib} IMPORTED)
    get_target_property(type ${lib} TYPE)
    if(NOT imported AND type MATCHES "^(STATIC|SHARED|MODULE|OBJECT)_LIBRARY$")
      target_compile_options(${lib} PRIVATE ${flags}) # de-duplicated with the directory's
    endif()
  endforeach()
endfunction()

# shmfuzz_seed_corpus(TARGET SEEDS_DIR): the text-form seeds in SEEDS_DIR (readable and
# reviewed as text) encoded by sfz-<TARGET>-replay --encode into ${CMAKE_BINARY_DIR}/corpus/
# <TARGET>/, the binary corpus the engines start from (custom target corpus-<TARGET>).
function(shmfuzz_seed_corpus target seeds_dir)
  file(GLOB seeds CONFIGURE_DEPENDS ${seeds_dir}/*.txt)
  set(out_dir ${CMAKE_BINARY_DIR}/corpus/${target})
  set(outputs "")
  foreach(seed ${seeds})
    get_filename_component(name ${seed} NAME_WE)
    set(out ${out_dir}/${name})
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
      COMMAND sfz-${target}-replay --encode -o ${out} ${seed}
      DEPENDS ${seed} sfz-${target}-replay
      COMMENT "Encoding seed ${name} for ${target}" VERBATIM)
    list(APPEND outputs ${out})
  endforeach()
  add_custom_target(corpus-${target} ALL DEPENDS ${outputs})
endfunction()

function(shmfuzz_add_target)
  cmake_parse_arguments(T "INTERNAL" "NAME;SUMMARY;SEEDS;DICT" "ADAPTER;SOURCES;LIBRARIES" ${ARGN})
  if(NOT T_NAME OR NOT T_NAME MATCHES "^[a-z0-9][a-z0-9_-]*$")
    message(FATAL_ERROR "shmfuzz_add_target: NAME must be lower-case letters, digits, - or _ (got '${T_NAME}')")
  endif()
  list(APPEND T_ADAPTER ${T_SOURCES})
  if(NOT T_ADAPTER)
    message(FATAL_ERROR "shmfuzz_add_target(${T_NAME}): ADAPTER (the adapter's .c files) is required")
  endif()
  if(T_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "shmfuzz_add_target(${T_NAME}): unknown arguments: ${T_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET shmfuzz_harness)
    message(FATAL_ERROR "shmfuzz_add_target(${T_NAME}): no shmfuzz_harness target: outside the "
                        "shmfuzz tree, call find_package(shmfuzz CONFIG REQUIRED) first (docs/adapters.md)")
  endif()
  foreach(kw SEEDS DICT)
    if(T_${kw} AND NOT IS_ABSOLUTE "${T_${kw}}")
      set(T_${kw} ${CMAKE_CURRENT_SOURCE_DIR}/${T_${kw}})
    endif()
  endforeach()
  if(T_SEEDS)
    file(GLOB seeds ${T_SEEDS}/*.txt)
    if(NOT seeds)
      message(FATAL_ERROR "shmfuzz_add_target(${T_NAME}): SEEDS ${T_SEEDS} holds no *.txt program")
    endif()
  endif()
  if(T_DICT AND NOT EXISTS "${T_DICT}")
    message(FATAL_ERROR "shmfuzz_add_target(${T_NAME}): DICT ${T_DICT} does not exist")
  endif()

  _shmfuzz_instrument("${T_LIBRARIES}")
  set(objects sfz_${T_NAME}_adapter)
  add_library(${objects} OBJECT ${T_ADAPTER})
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
  if(T_SEEDS)
    shmfuzz_seed_corpus(${T_NAME} ${T_SEEDS})
  endif()
  if(T_DICT)
    configure_file(${T_DICT} ${CMAKE_BINARY_DIR}/corpus/${T_NAME}.dict COPYONLY)
  endif()

  # The manifest is rebuilt on every configure: the first target of the run empties it.
  set(manifest ${CMAKE_BINARY_DIR}/shmfuzz-targets.tsv)
  get_property(started GLOBAL PROPERTY SHMFUZZ_MANIFEST_STARTED)
  if(NOT started)
    file(WRITE ${manifest} "")
    set_property(GLOBAL PROPERTY SHMFUZZ_MANIFEST_STARTED 1)
  endif()
  if(NOT T_INTERNAL)
    set(summary "${T_SUMMARY}")
    if(NOT summary)
      list(GET T_ADAPTER 0 summary)
    endif()
    file(APPEND ${manifest} "${T_NAME}\t${summary}\n")
  endif()
endfunction()
