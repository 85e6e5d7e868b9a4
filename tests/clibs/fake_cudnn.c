/* A fake cuDNN for the probe tests: build as libcudnn.so.N.
 *   -DVERSION=8005        value cudnnGetVersion() returns (8.0.5)
 *   -DCREATE_STATUS=2     status cudnnCreate() returns (2 = CUDNN_STATUS_ALLOC_FAILED)
 */
#include <stddef.h>
#ifndef VERSION
#define VERSION 8005
#endif
#ifndef CREATE_STATUS
#define CREATE_STATUS 0
#endif

static const char *names[] = {
    "CUDNN_STATUS_SUCCESS", "CUDNN_STATUS_NOT_INITIALIZED", "CUDNN_STATUS_ALLOC_FAILED",
    "CUDNN_STATUS_BAD_PARAM", "CUDNN_STATUS_INTERNAL_ERROR",
};

size_t cudnnGetVersion(void) { return VERSION; }

int cudnnCreate(void **handle) {
    if (CREATE_STATUS == 0) *handle = (void *)0x1;
    return CREATE_STATUS;
}

int cudnnDestroy(void *handle) { return handle ? 0 : 3; }

const char *cudnnGetErrorString(int status) {
    if (status >= 0 && status < (int)(sizeof names / sizeof names[0])) return names[status];
    return "CUDNN_STATUS_UNKNOWN";
}
