/*
 * cact_elements.h -- the element functions of every row of the activation
 * table (cact/_table.py): the one list of the family headers, included by the
 * kernels (src/cact_kernels.inc.tp) and by tools/exhaustive_f32.c.  A new
 * family header is added here and nowhere else (setup.py's depends take every
 * header in src/).
 */
#ifndef CACT_ELEMENTS_H
#define CACT_ELEMENTS_H

#include "cact_exp_family.h" /* sigmoid, tanh, elu: the shared exp core */
#include "cact_log1p.h"      /* the log1p core, beside the exp cores */
#include "cact_softplus.h"   /* softplus, logsigmoid: on log1p and exp */
#include "cact_linear.h"     /* the "linear" and "rational" families */
#include "cact_erf.h"        /* the erfc core and GELU, on the exp core */
#include "cact_mish.h"       /* mish: on the exp cores */

#endif /* CACT_ELEMENTS_H */
