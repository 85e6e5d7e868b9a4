/* A fake cuBLAS for doctor's inventory: cublasGetProperty(MAJOR/MINOR/PATCH). */
#ifndef MAJOR
#define MAJOR 12
#endif
#ifndef MINOR
#define MINOR 5
#endif
#ifndef PATCH
#define PATCH 3
#endif

int cublasGetProperty(int type, int *value) {
    switch (type) {
    case 0: *value = MAJOR; return 0;
    case 1: *value = MINOR; return 0;
    case 2: *value = PATCH; return 0;
    default: return 7; /* CUBLAS_STATUS_INVALID_VALUE */
    }
}
