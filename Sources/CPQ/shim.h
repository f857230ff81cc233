#ifndef THREADGATE_CPQ_SHIM_H
#define THREADGATE_CPQ_SHIM_H
#include <libpq-fe.h>
#endif
