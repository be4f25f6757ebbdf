public import Kafka
import TrackDomain

/// What earlier redrives published, kept in a topic of its own (`<rejected topic>.redriven` by
/// default), so that a second redrive of the same range publishes nothing new.
///
/// After the outputs of a chunk of rejections are acknowledged, the redrive appends one marker per
/// rejected-topic partition: the offsets of the rejections whose inputs it published, as ranges,
/// and where it published them (the enriched topic names the destination: a redrive into
/// `--output-prefix` topics does not count for the pipeline's own). A crash between the outputs and
/// the marker publishes that chunk again on the next redrive: outputs are identical, so consumers
/// see a duplicate, never a loss.
///
/// A marker value: `{"rejected_topic", "destination", "partition", "offsets": [[start, end], …],
/// "pipeline", "at"}` with half-open ranges; its key is unique, so compaction never merges markers.
public struct RedriveLedger: Sendable {
    /// The rejected topic's offsets already published, per partition.
    public private(set) var published: [Int32: OffsetIntervals] = [:]
    public let topic: String
    public let rejectedTopic: String
    public let destination: String

    /// The ledger topic's name for a rejected topic.
    public static func defaultTopic(for rejectedTopic: String) -> String { rejectedTopic + ".redriven" }

    public init(topic: String, rejectedTopic: String, destination: String) {
        self.topic = topic
        self.rejectedTopic = rejectedTopic
        self.destination = destination
    }

    /// Whether the rejection at `offset` of `partition` was published by an earlier redrive.
    public func contains(partition: Int32, offset: Int64) -> Bool {
        published[partition]?.contains(offset) ?? false
    }

    /// Adds a marker read from the ledger topic; markers of other topics or destinations, and
    /// values that are not markers, are ignored.
    public mutating func apply(markerValue bytes: [UInt8]) {
        guard let object = try? JSONParser.parse(bytes).objectValue,
            object["rejected_topic"]?.stringValue == rejectedTopic,
            object["destination"]?.stringValue == destination,
            case .integer(let partition)? = object["partition"]?.numberValue?.integralValue,
            let partition32 = Int32(exactly: partition),
            case .array(let pairs)? = object["offsets"]
        else { return }
        var intervals = published[partition32] ?? OffsetIntervals()
        for pair in pairs {
            guard case .array(let bounds) = pair, bounds.count == 2,
                case .integer(let start)? = bounds[0].numberValue?.integralValue,
                case .integer(let end)? = bounds[1].numberValue?.integralValue, start < end
            else { continue }
            intervals.insert(start..<end)
        }
        published[partition32] = intervals
    }

    /// The marker records for offsets just published, one per partition, at most
    /// `maximumRanges` ranges each (larger sets are split over several records).
    public func markers(
        for offsets: [Int32: OffsetIntervals],
        pipeline: String,
        at time: Int64,
        maximumRanges: Int = 20_000
    ) -> [ProducerMessage] {
        var messages: [ProducerMessage] = []
        for (partition, intervals) in offsets.sorted(by: { $0.key < $1.key }) where !intervals.isEmpty {
            var start = 0
            while start < intervals.ranges.count {
                let slice = intervals.ranges[start..<min(start + maximumRanges, intervals.ranges.count)]
                var writer = JSONWriter(capacity: 160 + slice.count * 24)
                writer.beginObject()
                writer.key("rejected_topic")
                writer.string(rejectedTopic)
                writer.key("destination")
                writer.string(destination)
                writer.key("partition")
                writer.integer(Int64(partition))
                writer.key("offsets")
                writer.beginArray()
                for range in slice {
                    writer.beginArray()
                    writer.integer(range.lowerBound)
                    writer.integer(range.upperBound)
                    writer.endArray()
                }
                writer.endArray()
                writer.key("pipeline")
                writer.string(pipeline)
                writer.key("at")
                writer.timestamp(time)
                writer.endObject()
                let key =
                    "\(rejectedTopic):\(partition):\(slice.first!.lowerBound)-\(slice.last!.upperBound):\(destination)"
                messages.append(ProducerMessage(topic: topic, key: Array(key.utf8), value: writer.bytes))
                start += maximumRanges
            }
        }
        return messages
    }

    /// Records that `offsets` are published (after their markers are acknowledged).
    public mutating func record(_ offsets: [Int32: OffsetIntervals]) {
        for (partition, intervals) in offsets { published[partition, default: OffsetIntervals()].formUnion(intervals) }
    }
}
