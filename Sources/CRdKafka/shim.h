#ifndef TRACKSTREAM_CRDKAFKA_SHIM_H
#define TRACKSTREAM_CRDKAFKA_SHIM_H

// librdkafka's C API, ≥ 2.2 (KIP-482 tagged fields; the admin ListOffsets call needs 2.3).
#include <librdkafka/rdkafka.h>
// The in-process mock cluster, for tests that need broker errors on demand.
#include <librdkafka/rdkafka_mock.h>

#endif
