# Cross build for arm64 Linux (Kunpeng, Phytium; UOS, Kylin) with Debian
# multiarch: gcc-aarch64-linux-gnu and the :arm64 -dev packages installed
# beside the amd64 ones (deploy/deps.sh --cross). Used by deploy/cross/arm64.sh.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Headers are shared by both architectures in /usr/include (multiarch ones
# in /usr/include/aarch64-linux-gnu, which the cross gcc searches itself);
# libraries and .pc files only from the arm64 directories.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER) # protoc-c is a build-machine program
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH / /usr/lib/aarch64-linux-gnu)

# Programs built for arm64 run on this machine under qemu-user; the arm64
# loader and libraries are the multiarch ones under / (ld-linux-aarch64.so.1,
# /usr/lib/aarch64-linux-gnu).
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;/)
