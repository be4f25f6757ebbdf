// libmaxminddb (Debian libmaxminddb-dev): MaxMind DB files, memory-mapped and read without locks.
#include <maxminddb.h>
