# CMake toolchain file: cross-compiles piherd for aarch64 (the Raspberry Pi's 64-bit
# architecture) with Debian's cross toolchain (crossbuild-essential-arm64) against an arm64
# sysroot that holds the -dev packages (scripts/build-arm64.sh makes one with debootstrap).
# The native packages of the build machine are never used for the target.
#   cmake -S . -B build-arm64 --toolchain cmake/aarch64-linux-gnu.cmake \
#         -DPIHERD_ARM64_SYSROOT=/var/cache/piherd-arm64/sysroot-...
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

if(NOT PIHERD_ARM64_SYSROOT AND DEFINED ENV{PIHERD_ARM64_SYSROOT})
  set(PIHERD_ARM64_SYSROOT "$ENV{PIHERD_ARM64_SYSROOT}")
endif()
if(NOT PIHERD_ARM64_SYSROOT OR NOT IS_DIRECTORY "${PIHERD_ARM64_SYSROOT}/usr/include")
  message(FATAL_ERROR "PIHERD_ARM64_SYSROOT must name an arm64 sysroot (scripts/build-arm64.sh makes one)")
endif()
# try_compile projects see the variable too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES PIHERD_ARM64_SYSROOT)
set(CMAKE_SYSROOT "${PIHERD_ARM64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH "${PIHERD_ARM64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config (libssh's and others' .pc files) reads the sysroot's, never the build machine's.
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${PIHERD_ARM64_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR}
    "${PIHERD_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${PIHERD_ARM64_SYSROOT}/usr/share/pkgconfig")

# Test binaries run under qemu-user with the sysroot as their library root (no binfmt
# needed): gtest_discover_tests and ctest go through this emulator.
find_program(PIHERD_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(PIHERD_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${PIHERD_QEMU_AARCH64};-L;${PIHERD_ARM64_SYSROOT}")
endif()
