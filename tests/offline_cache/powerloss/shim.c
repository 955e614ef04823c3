/* Power-loss recorder: an LD_PRELOAD library that logs, in order, every change a process
 * makes to the files of one folder and every moment it asks for them to be durable.
 *
 * Records (little-endian), appended to $POWERLOSS_LOG, for files under $POWERLOSS_DIR:
 *   'W' ino:u64 offset:u64 length:u32 bytes[length]  a write that reached the page cache
 *   'T' ino:u64 length:u64                           ftruncate
 *   'S' ino:u64                                      fsync/fdatasync of a file: durable now
 *   'U' ino:u64                                      a name stopped pointing at this file
 *                                                    (unlink, or replaced by a rename)
 *   'D' count:u32 then count × (ino:u64 namelen:u16 name)
 *                                                    fsync of the folder: its names durable
 * The replay (recorder.py) rebuilds what a disk would hold after a power cut at any point:
 * what was synced, plus none or some of what was not.  Test tool only: one thread writes
 * at a time (a mutex), the folder is flat, and O_TRUNC / mmap writes are not recorded.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static int log_fd = -1;
static char watched[PATH_MAX];
static size_t watched_len;
static int ready;

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);

static void setup(void) {
    if (ready) return;
    real_write = dlsym(RTLD_NEXT, "write");
    real_pwrite = dlsym(RTLD_NEXT, "pwrite");
    real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
    real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    real_rename = dlsym(RTLD_NEXT, "rename");
    real_renameat = dlsym(RTLD_NEXT, "renameat");
    real_unlink = dlsym(RTLD_NEXT, "unlink");
    real_unlinkat = dlsym(RTLD_NEXT, "unlinkat");
    const char *dir = getenv("POWERLOSS_DIR");
    const char *log = getenv("POWERLOSS_LOG");
    if (dir && log && realpath(dir, watched)) {
        watched_len = strlen(watched);
        log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    }
    ready = 1;
}

static void emit(const void *data, size_t length) {
    const char *p = data;
    while (length) {
        ssize_t n = real_write(log_fd, p, length);
        if (n <= 0) abort(); /* a recorder that loses events would lie */
        p += n;
        length -= (size_t)n;
    }
}

static int in_watched(const char *path) {
    return path && strncmp(path, watched, watched_len) == 0 &&
           (path[watched_len] == '/' || path[watched_len] == 0);
}

/* The file behind fd if it is in the watched folder: its inode, and whether it is the
 * folder itself. */
static int watched_fd(int fd, uint64_t *ino, int *is_dir) {
    if (log_fd < 0 || fd == log_fd) return 0;
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) return 0;
    target[n] = 0;
    if (!in_watched(target)) return 0;
    struct stat st;
    if (fstat(fd, &st)) return 0;
    *ino = (uint64_t)st.st_ino;
    *is_dir = S_ISDIR(st.st_mode);
    return 1;
}

static void record_write(int fd, const void *buf, ssize_t n, off_t offset) {
    uint64_t ino;
    int is_dir;
    if (n <= 0 || !watched_fd(fd, &ino, &is_dir) || is_dir) return;
    uint64_t off = (uint64_t)offset;
    uint32_t len = (uint32_t)n;
    emit("W", 1);
    emit(&ino, 8);
    emit(&off, 8);
    emit(&len, 4);
    emit(buf, len);
}

static void record_sync(int fd) {
    uint64_t ino;
    int is_dir;
    if (!watched_fd(fd, &ino, &is_dir)) return;
    if (!is_dir) {
        emit("S", 1);
        emit(&ino, 8);
        return;
    }
    DIR *d = opendir(watched);
    if (!d) return;
    struct dirent *e;
    uint32_t count = 0;
    char buffer[65536];
    size_t used = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        uint16_t len = (uint16_t)strlen(e->d_name);
        uint64_t entry = (uint64_t)e->d_ino;
        if (used + 10 + len > sizeof buffer) break;
        memcpy(buffer + used, &entry, 8);
        memcpy(buffer + used + 8, &len, 2);
        memcpy(buffer + used + 10, e->d_name, len);
        used += 10 + len;
        count++;
    }
    closedir(d);
    emit("D", 1);
    emit(&count, 4);
    emit(buffer, used);
}

static void record_dropped(const char *path) {
    char full[PATH_MAX];
    struct stat st;
    if (log_fd < 0 || !realpath(path, full) || !in_watched(full) || stat(full, &st)) return;
    uint64_t ino = (uint64_t)st.st_ino;
    emit("U", 1);
    emit(&ino, 8);
}

ssize_t write(int fd, const void *buf, size_t count) {
    setup();
    pthread_mutex_lock(&lock);
    ssize_t n = real_write(fd, buf, count);
    if (n > 0 && log_fd >= 0 && fd != log_fd) {
        off_t end = lseek(fd, 0, SEEK_CUR);
        if (end >= 0) record_write(fd, buf, n, end - n);
    }
    pthread_mutex_unlock(&lock);
    return n;
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
    setup();
    pthread_mutex_lock(&lock);
    ssize_t n = real_pwrite(fd, buf, count, offset);
    record_write(fd, buf, n, offset);
    pthread_mutex_unlock(&lock);
    return n;
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset) {
    setup();
    pthread_mutex_lock(&lock);
    ssize_t n = real_pwrite64(fd, buf, count, offset);
    record_write(fd, buf, n, offset);
    pthread_mutex_unlock(&lock);
    return n;
}

static int truncated(int result, int fd, off_t length) {
    uint64_t ino;
    int is_dir;
    if (result == 0 && watched_fd(fd, &ino, &is_dir) && !is_dir) {
        uint64_t len = (uint64_t)length;
        emit("T", 1);
        emit(&ino, 8);
        emit(&len, 8);
    }
    return result;
}

int ftruncate(int fd, off_t length) {
    setup();
    pthread_mutex_lock(&lock);
    int r = truncated(real_ftruncate(fd, length), fd, length);
    pthread_mutex_unlock(&lock);
    return r;
}

int ftruncate64(int fd, off_t length) {
    setup();
    pthread_mutex_lock(&lock);
    int r = truncated(real_ftruncate64(fd, length), fd, length);
    pthread_mutex_unlock(&lock);
    return r;
}

int fsync(int fd) {
    setup();
    pthread_mutex_lock(&lock);
    int r = real_fsync(fd);
    if (r == 0) record_sync(fd);
    pthread_mutex_unlock(&lock);
    return r;
}

int fdatasync(int fd) {
    setup();
    pthread_mutex_lock(&lock);
    int r = real_fdatasync(fd);
    if (r == 0) record_sync(fd);
    pthread_mutex_unlock(&lock);
    return r;
}

int rename(const char *from, const char *to) {
    setup();
    pthread_mutex_lock(&lock);
    record_dropped(to);
    int r = real_rename(from, to);
    pthread_mutex_unlock(&lock);
    return r;
}

int renameat(int olddirfd, const char *from, int newdirfd, const char *to) {
    setup();
    pthread_mutex_lock(&lock);
    if (to[0] == '/') record_dropped(to);
    int r = real_renameat(olddirfd, from, newdirfd, to);
    pthread_mutex_unlock(&lock);
    return r;
}

int unlink(const char *path) {
    setup();
    pthread_mutex_lock(&lock);
    record_dropped(path);
    int r = real_unlink(path);
    pthread_mutex_unlock(&lock);
    return r;
}

int unlinkat(int dirfd, const char *path, int flags) {
    setup();
    pthread_mutex_lock(&lock);
    if (path[0] == '/' && !(flags & AT_REMOVEDIR)) record_dropped(path);
    int r = real_unlinkat(dirfd, path, flags);
    pthread_mutex_unlock(&lock);
    return r;
}
