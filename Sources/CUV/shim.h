#ifndef THREADGATE_CUV_SHIM_H
#define THREADGATE_CUV_SHIM_H
#include <uv.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <malloc.h>

/* Sockets option constants that Swift cannot import as macros on every libc. */
static const int cuv_so_reuseport = SO_REUSEPORT;

/* Names the calling thread (at most 15 bytes are kept); prctl is variadic, so Swift needs this. */
static inline void cuv_set_thread_name(const char *name) { prctl(PR_SET_NAME, name, 0, 0, 0); }

/* Returns the heap's free pages to the system (glibc); 1 when some were returned. */
static inline int cuv_malloc_trim(void) { return malloc_trim(0); }
#endif
