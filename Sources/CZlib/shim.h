// zlib, for the gzip archives that `purge` writes (Debian: zlib1g-dev).
#include <zlib.h>
