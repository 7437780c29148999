// Snowball's stemmers, as Debian's libstemmer-dev installs them. That package has no pkg-config
// file, so the module map links libstemmer by name and the header is found in /usr/include.
#ifndef SWARM_CSTEMMER_SHIM_H
#define SWARM_CSTEMMER_SHIM_H

#include <libstemmer.h>

#endif
