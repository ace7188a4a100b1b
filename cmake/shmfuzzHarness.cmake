# shmfuzzHarness.cmake (installed package only, included by shmfuzzConfig.cmake): the harness
# and libshmfault's C API as static libraries of the user's project, compiled from the sources
# installed with the package (exactly the SOURCES of the tree's shmfuzz_harness and
# shmfault_static), with the user's compiler and flags. A prebuilt library would match one
# compiler, one sanitizer set and one engine only; OSS-Fuzz builds every object with $CC
# $CFLAGS (MemorySanitizer needs all code instrumented). In the tree, harness/CMakeLists.txt and
# faults/CMakeLists.txt define shmfuzz_harness instead.
get_filename_component(_sfz_share ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)

file(GLOB _sfz_sources ${_sfz_share}/faults/src/*.c)
add_library(shmfuzz_shmfault STATIC EXCLUDE_FROM_ALL ${_sfz_sources})
target_include_directories(shmfuzz_shmfault PUBLIC ${SHMFUZZ_INCLUDE_DIR})
# strong libc names + dlsym(RTLD_NEXT): GNU. No SHMFAULT_PRELOAD: reads no environment.
target_compile_definitions(shmfuzz_shmfault PRIVATE _GNU_SOURCE)
target_link_libraries(shmfuzz_shmfault PUBLIC ${CMAKE_DL_LIBS} pthread)

file(GLOB _sfz_sources ${_sfz_share}/harness/src/*.c)
add_library(shmfuzz_harness STATIC EXCLUDE_FROM_ALL ${_sfz_sources})
target_include_directories(shmfuzz_harness PUBLIC ${SHMFUZZ_INCLUDE_DIR}
                           PRIVATE ${_sfz_share}/harness/src)
target_compile_definitions(shmfuzz_harness PRIVATE _GNU_SOURCE)
target_link_libraries(shmfuzz_harness PUBLIC shmfuzz_shmfault rt)

foreach(_sfz_t shmfuzz_shmfault shmfuzz_harness)
  # C11 as in the tree; PIC: the AFL++ mutator is a shared object built from the same objects.
  set_target_properties(${_sfz_t} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON
                        C_EXTENSIONS OFF POSITION_INDEPENDENT_CODE ON)
  shmfuzz_no_coverage(${_sfz_t})
endforeach()
unset(_sfz_sources)
unset(_sfz_share)
