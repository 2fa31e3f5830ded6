/* The kernels at the platform's baseline instruction set: no pragma and no
 * per-source flags in either build mode (CACT_ISA_BUILD, setup.py). */
#define CACT_CHUNK_TABLE cact_chunks_baseline
#define CACT_FUSED_LEVEL baseline
#include "cact_kernels.inc"
