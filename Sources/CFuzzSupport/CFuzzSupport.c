// Declarations only (include/CFuzzSupport.h); SwiftPM wants a source file in a C target.
#include "CFuzzSupport.h"
