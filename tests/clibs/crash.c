/* A library that kills whoever loads it, from its constructor:
 * by default with SIGSEGV; with -DEXIT_CODE=3 by calling _exit(3) instead. */
#include <signal.h>
#include <unistd.h>

__attribute__((constructor)) static void crash_on_load(void) {
#ifdef EXIT_CODE
    _exit(EXIT_CODE);
#else
    raise(SIGSEGV);
#endif
}

int cudnnGetVersion(void) { return 8005; }
