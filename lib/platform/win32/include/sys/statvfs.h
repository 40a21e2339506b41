/* sys/statvfs.h for Windows (lib/platform/win32/compat.h): the free space
 * of the volume that holds a path, from GetDiskFreeSpaceExW. */
#ifndef HB_WIN32_SYS_STATVFS_H
#define HB_WIN32_SYS_STATVFS_H

struct statvfs {
  unsigned long f_bsize, f_frsize;
  unsigned long long f_blocks, f_bfree, f_bavail;
};

int statvfs(const char *path, struct statvfs *out);

#endif
