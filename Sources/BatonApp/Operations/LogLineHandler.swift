import Logging

/// Baton's log lines: swift-log's stream handler, with the metadata set on a logger (a
/// request's `hb.request.id` and `user_id`) rendered only when a line is written.
///
/// `StreamLogHandler` renders all of its metadata as text each time a key is set, and every
/// request sets two though most write no line at all: about 3 % of a read's CPU
/// (docs/performance.md). The lines are the same, since the metadata reaches the stream
/// handler as the line's own; it then outranks a metadata provider's, which Baton has none of.
struct LogLineHandler: LogHandler {
    private var stream: StreamLogHandler
    var metadata: Logger.Metadata = [:]

    init(_ stream: StreamLogHandler) {
        self.stream = stream
    }

    /// Lines on standard error, as swift-log writes them by default.
    init(label: String) {
        self.init(.standardError(label: label))
    }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty {
            event.metadata = metadata.merging(event.metadata ?? [:]) { _, said in said }
        }
        stream.log(event: event)
    }
}
