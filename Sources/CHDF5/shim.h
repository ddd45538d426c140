// Debian's libhdf5-dev puts the serial headers under /usr/include/hdf5/serial; including hdf5.h by
// that path lets its own quoted includes resolve beside it, so no -I flag or pkg-config is needed.
#include <hdf5/serial/hdf5.h>

// H5T_NATIVE_DOUBLE and friends are macros that read library globals after H5open(); Swift cannot
// import them, so expose them as functions.
static inline hid_t mmolre_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t mmolre_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t mmolre_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t mmolre_h5s_all(void) { return H5S_ALL; }
