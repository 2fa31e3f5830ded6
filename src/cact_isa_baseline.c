/* The kernels at the platform's baseline instruction set (no extra flags). */
#define CACT_CHUNK_TABLE cact_chunks_baseline
#include "cact_kernels.inc"
