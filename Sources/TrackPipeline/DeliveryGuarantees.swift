/// The settings at-least-once delivery rests on, checked after every override is applied: a
/// pipeline whose `kafka` map (or `--kafka`) would quietly weaken them is refused, naming the key.
///
/// | key | must be | why |
/// |---|---|---|
/// | `enable.auto.offset.store` | `false` (the default) | with it, librdkafka stores an offset when a record is polled, before its outputs exist: a crash loses them |
/// | `acks` / `request.required.acks` | `all` or `-1` (the default) | with fewer, an acknowledged output can vanish with a broker |
/// | `enable.idempotence` | `true` (the default) | without it, the producer's own retries can duplicate and reorder one user's outputs |
/// | `enable.partition.eof` | `true` (the default) | `run --until-caught-up` and replays know a partition is done by it |
/// | `transactional.id` | unset | transactions (exactly-once delivery) are not yet supported |
/// | `delivery` | `at_least_once` | the same |
extension PipelineConfiguration {
    /// Throws for the first setting that would break at-least-once delivery.
    public func checkDeliveryGuarantees(file: String) throws(PipelineConfigurationError) {
        func refuse(_ key: String, _ problem: String, _ remedy: String) -> PipelineConfigurationError {
            PipelineConfigurationError(
                kind: .invalidValue,
                file: file,
                line: nil,
                keyPath: key,
                problem: problem,
                remedy: remedy
            )
        }
        if delivery == .exactlyOnce {
            throw refuse(
                "delivery",
                "exactly_once is not yet supported (it needs Kafka transactions, which cannot be proven on the test broker)",
                "set delivery: at_least_once"
            )
        }
        for property in kafka {
            let value = property.value.lowercased()
            switch property.key {
            case "enable.auto.offset.store" where value != "false":
                throw refuse(
                    "kafka.enable.auto.offset.store",
                    "\(property.value) would store offsets when records are polled, before their outputs are acknowledged, and lose them on a crash",
                    "remove the key (trackstream stores each offset once its outputs are acknowledged)"
                )
            case "acks" where value != "all" && value != "-1",
                "request.required.acks" where value != "all" && value != "-1":
                throw refuse(
                    "kafka.\(property.key)",
                    "\(property.value) lets an acknowledged output be lost with a broker",
                    "remove the key, or set it to all"
                )
            case "enable.idempotence" where value != "true":
                throw refuse(
                    "kafka.enable.idempotence",
                    "\(property.value) lets the producer's retries duplicate and reorder a user's outputs",
                    "remove the key, or set it to true"
                )
            case "enable.partition.eof" where value != "true":
                throw refuse(
                    "kafka.enable.partition.eof",
                    "\(property.value) hides the end of a partition, which --until-caught-up and replays wait for",
                    "remove the key, or set it to true"
                )
            case "transactional.id":
                throw refuse(
                    "kafka.transactional.id",
                    "transactions (exactly-once delivery) are not yet supported",
                    "remove the key"
                )
            default:
                continue
            }
        }
    }
}
