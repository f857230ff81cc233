#ifndef THREADGATE_CCURL_SHIM_H
#define THREADGATE_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt and friends are C variadics that Swift cannot call: typed wrappers. */
static inline CURLcode ccurl_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_easy_setopt_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_easy_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_easy_setopt_write_cb(CURL *h, CURLoption o, size_t (*cb)(char *, size_t, size_t, void *)) { return curl_easy_setopt(h, o, cb); }
static inline CURLcode ccurl_easy_setopt_xferinfo_cb(CURL *h, CURLoption o, int (*cb)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t)) { return curl_easy_setopt(h, o, cb); }
static inline CURLcode ccurl_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_easy_getinfo_ptr(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_easy_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_easy_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode ccurl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode ccurl_multi_setopt_ptr(CURLM *m, CURLMoption o, void *v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode ccurl_multi_setopt_socket_cb(CURLM *m, curl_socket_callback cb) { return curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, cb); }
static inline CURLMcode ccurl_multi_setopt_timer_cb(CURLM *m, curl_multi_timer_callback cb) { return curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, cb); }

static const curl_socket_t ccurl_socket_timeout = CURL_SOCKET_TIMEOUT;
static const int ccurl_cselect_in = CURL_CSELECT_IN;
static const int ccurl_cselect_out = CURL_CSELECT_OUT;
static const int ccurl_cselect_err = CURL_CSELECT_ERR;
static const int ccurl_poll_in = CURL_POLL_IN;
static const int ccurl_poll_out = CURL_POLL_OUT;
static const int ccurl_poll_inout = CURL_POLL_INOUT;
static const int ccurl_poll_remove = CURL_POLL_REMOVE;
static const size_t ccurl_writefunc_pause = CURL_WRITEFUNC_PAUSE;
static const int ccurl_pause_cont = CURLPAUSE_CONT;
static const long ccurl_pipe_multiplex = CURLPIPE_MULTIPLEX;
static const int ccurl_error_size = CURL_ERROR_SIZE;
static const long ccurl_global_default = CURL_GLOBAL_DEFAULT;

/* The result of a finished transfer: curl_multi_info_read's union member, read before the
   easy handle is removed (the message is invalid afterwards). */
static inline CURLcode ccurl_msg_result(const CURLMsg *m) { return m->data.result; }
#endif
