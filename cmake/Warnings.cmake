# Warnings every shmfuzz target compiles with; errors when SHMFUZZ_WERROR is on (CI).
add_compile_options(-Wall -Wextra -Wshadow -Wconversion -Wsign-conversion
                    -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wundef
                    -Wno-unused-parameter)
if(SHMFUZZ_WERROR)
  add_compile_options(-Werror)
endif()
