# Cross build of huibao-agent.exe for Windows 10/11 x64 with Debian's
# mingw-w64 (gcc-mingw-w64-x86-64, win32 thread model). The libraries come
# from deploy/cross/win64-deps.sh (Debian's source packages, built static);
# deploy/cross/win64.sh points PKG_CONFIG_LIBDIR at them. Used by that script.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER) # protoc-c is a build-machine program
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)  # the libraries' prefixes are absolute
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)

# One .exe with nothing beside it: libgcc and the C runtime's extras linked
# in statically (the Windows DLLs it uses ship with Windows).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
# Windows 10 and later (GetSystemTimePreciseAsFileTime, code page 54936)
set(CMAKE_C_FLAGS_INIT "-D_WIN32_WINNT=0x0A00")
