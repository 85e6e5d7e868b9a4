/* A fake CUDA runtime: build as libcudart.so.11.0 with -DVERSION=11020 (CUDA 11.2). */
#ifndef VERSION
#define VERSION 11020
#endif

int cudaRuntimeGetVersion(int *v) { *v = VERSION; return 0; }
int cudaDriverGetVersion(int *v) { *v = 0; return 0; }
const char *cudaGetErrorString(int e) { return e ? "fake error" : "no error"; }
