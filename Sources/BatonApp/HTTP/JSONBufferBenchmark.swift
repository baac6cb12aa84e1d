import BatonCore
import Foundation
import Glibc
import NIOCore
import NIOFoundationCompat

/// `baton bench-json`: encodes a page of 50 opportunities and one opportunity with
/// JSONEncoder (then copied into a buffer, as responses were) and with the buffer
/// writer, side by side, and prints the time and, when run under
/// `bench/json-alloc/run.sh` (which preloads a malloc counter), the allocations.
public enum JSONBufferBenchmark {
    public static func run(iterations: Int) throws -> String {
        let record = try sampleOpportunity(id: 1)
        let page = Page(fetched: try (1...51).map { try sampleOpportunity(id: Int64($0)) }, limit: 50) { [String($0.id)] }
        var lines = ["JSON encoding, \(iterations) iterations each (old: JSONEncoder + copy into a ByteBuffer; new: JSONBufferEncoder)"]
        lines.append(try compare("page of 50 opportunities", page, iterations: iterations))
        lines.append(try compare("one opportunity", record, iterations: iterations * 10))
        return lines.joined(separator: "\n")
    }

    private static func compare(_ label: String, _ value: some Encodable, iterations: Int) throws -> String {
        let allocator = ByteBufferAllocator()
        let old = try measure(iterations) { ByteBuffer(bytes: try JSON.encoder.encode(NullKeeping(value))).readableBytes }
        let new = try measure(iterations) { try JSONBufferEncoder.encode(value, allocator: allocator).readableBytes }
        let same = try Data(buffer: JSONBufferEncoder.encode(value)) == JSON.encoder.encode(NullKeeping(value))
        func text(_ m: (micros: Double, allocations: Double?)) -> String {
            String(format: "%9.1f µs", m.micros) + (m.allocations.map { String(format: " %8.0f allocations", $0) } ?? "")
        }
        var line = "\(label) (\(new.bytes) bytes, identical: \(same)):\n  old \(text(old.per))\n  new \(text(new.per))\n"
        line += String(format: "  new/old time %.2f", new.per.micros / old.per.micros)
        if let a = new.per.allocations, let b = old.per.allocations { line += String(format: ", allocations %.2f", a / b) }
        return line
    }

    private static func measure(_ iterations: Int, _ body: () throws -> Int) throws -> (bytes: Int, per: (micros: Double, allocations: Double?)) {
        var bytes = 0
        for _ in 0..<max(1, iterations / 10) { bytes = try body() }  // warm up
        let allocationsBefore = mallocCount()
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { bytes = try body() }
        let nanos = Double(DispatchTime.now().uptimeNanoseconds - start)
        let allocations = mallocCount().flatMap { after in allocationsBefore.map { Double(after - $0) / Double(iterations) } }
        return (bytes, (nanos / 1000 / Double(iterations), allocations))
    }

    /// The malloc counter bench/json-alloc preloads, when it does.
    private static let counter: (@convention(c) () -> UInt64)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "bench_malloc_calls") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) () -> UInt64).self)
    }()

    private static func mallocCount() -> UInt64? { counter?() }

    /// A deal with the contents a real one has: a team, an optional or two, a next step
    /// with punctuation and accents.
    static func sampleOpportunity(id: Int64) throws -> OpportunityRecord {
        let json = """
            {"id": \(id), "accountId": 4\(id), "ownerId": 12, "version": 3, "name": "Müller & Söhne – rollout \(id) (phase 2/3)",
             "accountName": "Müller & Söhne GmbH", "kind": "expansion", "amount": "1\(id)2500.50", "closeDate": "2026-11-30",
             "team": [{"userId": 12, "role": "owner", "splitPercent": "60"}, {"userId": 31, "role": "sales_partner", "splitPercent": "40"}],
             "stage": "proposal", "stageEnteredAt": "2026-10-02T09:15:30.25Z", "daysInStage": 17, "probability": "60",
             "forecastCategory": "best_case", "probabilityOverridden": false, "forecastCategoryOverridden": false,
             "nextStep": "Send the \\"final\\" quote to procurement", "source": null, "lostReason": null, "externalId": "SF-00\(id)",
             "wonOn": null, "lostOn": null, "archived": false,
             "createdAt": "2026-06-01T08:00:00Z", "updatedAt": "2026-10-19T16:42:07.123456Z"}
            """
        return try JSONDecoder().decode(OpportunityRecord.self, from: Data(json.utf8))
    }
}
