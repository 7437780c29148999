// libmagic, the library behind file(1), as Debian's libmagic-dev installs it: its one header is in
// /usr/include, and pkg-config's libmagic.pc gives the flags. SwarmFiles asks it for a media type
// (MAGIC_MIME_TYPE) from the system's compiled database (libmagic-mgc).
#ifndef SWARM_CMAGIC_SHIM_H
#define SWARM_CMAGIC_SHIM_H

#include <magic.h>

#endif
