// PCRE2 (Debian libpcre2-dev), the 8-bit library: uap-core's regexes are written for PCRE syntax.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
