# Cross-compiling posecast for 64-bit ARM (Raspberry Pi 4/5, other arm64 boards) on a Debian 12
# amd64 machine, with Debian's cross compiler (g++-aarch64-linux-gnu) and the arm64 builds of the
# -dev packages, either installed multiarch (dpkg --add-architecture arm64, then
# apt-get install libopencv-dev:arm64 ...) or unpacked into a sysroot given as
# -DCMAKE_SYSROOT=DIR. The `cross-arm64` preset uses this file; docs/deploy.md, "ARM64".
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Programs (help2man, protoc, ...) from the build machine; libraries, headers and CMake package
# files only from the arm64 side.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
if(NOT CMAKE_SYSROOT)
  # Multiarch: the arm64 libraries live beside the build machine's in /usr/lib/aarch64-linux-gnu.
  set(CMAKE_FIND_ROOT_PATH /usr/lib/aarch64-linux-gnu /usr)
endif()
set(ENV{PKG_CONFIG_LIBDIR} "${CMAKE_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${CMAKE_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${CMAKE_SYSROOT}")
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
