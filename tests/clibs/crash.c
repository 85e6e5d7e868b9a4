/* A library that kills whoever loads it: its constructor raises SIGSEGV. */
#include <signal.h>

__attribute__((constructor)) static void crash_on_load(void) { raise(SIGSEGV); }

int cudnnGetVersion(void) { return 8005; }
