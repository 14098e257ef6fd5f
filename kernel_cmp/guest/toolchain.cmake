# kernel_cmp/guest/toolchain.cmake - cross-compiling the guest oracle: a
# static build for CBPF_GUEST_TRIPLET (e.g. aarch64-linux-gnu) with Debian's
# cross gcc (gcc-TRIPLET). Used by `cbpf kernel fetch` (tools/kernel_guest_build.c).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_TRY_COMPILE_PLATFORM_VARIABLES CBPF_GUEST_TRIPLET)
if(NOT CBPF_GUEST_TRIPLET)
  message(FATAL_ERROR "toolchain.cmake: set -DCBPF_GUEST_TRIPLET=TRIPLET")
endif()
string(REGEX REPLACE "-.*" "" CMAKE_SYSTEM_PROCESSOR "${CBPF_GUEST_TRIPLET}")
set(CMAKE_C_COMPILER ${CBPF_GUEST_TRIPLET}-gcc)
set(CMAKE_FIND_ROOT_PATH /usr/${CBPF_GUEST_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
