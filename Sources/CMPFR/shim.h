#ifndef ACTIVATION_ORACLE_CMPFR_SHIM_H
#define ACTIVATION_ORACLE_CMPFR_SHIM_H
#include <stdio.h>
#include <gmp.h>
#include <mpfr.h>
#endif
