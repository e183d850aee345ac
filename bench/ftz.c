/* Sets flush-to-zero (FTZ) and denormals-are-zero (DAZ) in the x86 MXCSR register when loaded
 * with LD_PRELOAD, before the program's main runs; threads created later inherit the setting.
 * Used only by bench/denormals.sh to measure what subnormal f32 arithmetic costs a training run. */
#include <xmmintrin.h>
__attribute__((constructor)) static void ftz_daz(void) { _mm_setcsr(_mm_getcsr() | 0x8040); }
