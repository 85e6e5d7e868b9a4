/* A fake NVIDIA driver (libcuda.so.1) with one pretend GPU. Every value can be chosen:
 *   -DDRIVER_VERSION=12040   cuDriverGetVersion (CUDA 12.4)
 *   -DINIT_RESULT=0          cuInit result (100 = CUDA_ERROR_NO_DEVICE)
 *   -DINIT_SLEEP=0           seconds cuInit sleeps first (a hung driver)
 *   -DDEVICE_COUNT=1, -DDEVICE_NAME="\"...\"", -DCC_MAJOR=8, -DCC_MINOR=6
 *   -DFREE_MB=7000, -DTOTAL_MB=8192   cuMemGetInfo_v2; cuMemAlloc_v2 fails with
 *                                     CUDA_ERROR_OUT_OF_MEMORY above FREE_MB
 *   -DCTX_RESULT=0           cuDevicePrimaryCtxRetain result (2 = a GPU so full that no context fits)
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#ifndef DRIVER_VERSION
#define DRIVER_VERSION 12040
#endif
#ifndef INIT_RESULT
#define INIT_RESULT 0
#endif
#ifndef INIT_SLEEP
#define INIT_SLEEP 0
#endif
#ifndef DEVICE_COUNT
#define DEVICE_COUNT 1
#endif
#ifndef DEVICE_NAME
#define DEVICE_NAME "Fake GeForce RTX 3070"
#endif
#ifndef CC_MAJOR
#define CC_MAJOR 8
#endif
#ifndef CC_MINOR
#define CC_MINOR 6
#endif
#ifndef FREE_MB
#define FREE_MB 7000
#endif
#ifndef TOTAL_MB
#define TOTAL_MB 8192
#endif

#ifndef CTX_RESULT
#define CTX_RESULT 0
#endif

#define MB (1024ull * 1024ull)
static int initialised = 0;
static int context_current = 0;
static int retained = 0;

int cuInit(unsigned int flags) {
    (void)flags;
    if (INIT_SLEEP) sleep(INIT_SLEEP);
    initialised = (INIT_RESULT == 0);
    return INIT_RESULT;
}
int cuDriverGetVersion(int *v) { *v = DRIVER_VERSION; return 0; }
int cuDeviceGetCount(int *n) {
    if (!initialised) return 3; /* CUDA_ERROR_NOT_INITIALIZED */
    *n = DEVICE_COUNT;
    return 0;
}
int cuDeviceGet(int *dev, int ordinal) {
    if (ordinal < 0 || ordinal >= DEVICE_COUNT) return 101;
    *dev = ordinal;
    return 0;
}
int cuDeviceGetName(char *name, int len, int dev) {
    if (dev < 0 || dev >= DEVICE_COUNT) return 101;
    strncpy(name, DEVICE_NAME, (size_t)len - 1);
    name[len - 1] = 0;
    return 0;
}
int cuDeviceGetAttribute(int *value, int attribute, int dev) {
    if (dev < 0 || dev >= DEVICE_COUNT) return 101;
    if (attribute == 75) *value = CC_MAJOR;
    else if (attribute == 76) *value = CC_MINOR;
    else if (attribute == 16) *value = 46;
    else return 1; /* CUDA_ERROR_INVALID_VALUE */
    return 0;
}
int cuDevicePrimaryCtxRetain(void **ctx, int dev) {
    if (!initialised) return 3;
    if (dev < 0 || dev >= DEVICE_COUNT) return 101;
    if (CTX_RESULT) return CTX_RESULT;
    *ctx = (void *)0x1234;
    retained++;
    return 0;
}
int cuDevicePrimaryCtxRelease(int dev) { (void)dev; retained--; return 0; }
int cuCtxSetCurrent(void *ctx) { context_current = (ctx != NULL); return 0; }
int cuMemGetInfo_v2(size_t *free_bytes, size_t *total_bytes) {
    if (!context_current) return 201; /* CUDA_ERROR_INVALID_CONTEXT */
    *free_bytes = (size_t)(FREE_MB * MB);
    *total_bytes = (size_t)(TOTAL_MB * MB);
    return 0;
}
int cuDeviceTotalMem_v2(size_t *bytes, int dev) {
    if (dev < 0 || dev >= DEVICE_COUNT) return 101;
    *bytes = (size_t)(TOTAL_MB * MB);
    return 0;
}
int cuMemAlloc_v2(uint64_t *ptr, size_t bytes) {
    if (!context_current) return 201;
    if (bytes > (size_t)(FREE_MB * MB)) return 2; /* CUDA_ERROR_OUT_OF_MEMORY */
    *ptr = 0x7f0000000000ull;
    return 0;
}
int cuMemFree_v2(uint64_t ptr) { return ptr ? 0 : 1; }
int cuGetErrorName(int error, const char **name) {
    switch (error) {
    case 0: *name = "CUDA_SUCCESS"; return 0;
    case 2: *name = "CUDA_ERROR_OUT_OF_MEMORY"; return 0;
    case 3: *name = "CUDA_ERROR_NOT_INITIALIZED"; return 0;
    case 100: *name = "CUDA_ERROR_NO_DEVICE"; return 0;
    case 999: *name = "CUDA_ERROR_UNKNOWN"; return 0;
    default: *name = NULL; return 1;
    }
}
int cuGetErrorString(int error, const char **text) {
    switch (error) {
    case 2: *text = "out of memory"; return 0;
    case 100: *text = "no CUDA-capable device is detected"; return 0;
    default: *text = NULL; return 1;
    }
}
