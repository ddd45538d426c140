// OpenBLAS's CBLAS interface; Debian installs cblas.h in the multiarch include path.
#include <cblas.h>
