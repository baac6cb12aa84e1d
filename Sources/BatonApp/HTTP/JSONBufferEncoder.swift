import BatonCore
import Dates
import Foundation
import NIOCore
import Postgres

/// Writes API JSON straight into a `ByteBuffer`, with the same bytes as `JSON.encoder`
/// (Foundation's JSONEncoder with sorted keys and unescaped slashes) writing
/// `NullKeeping(value)` (issue 21, item 5). JSONEncoder builds a tree of enums,
/// dictionaries and strings for every record, then a `Data`, which the response then
/// copied again; this writes each value once, in place, and sorts an object's keys only
/// when its type declared them out of order (by moving the already written members).
///
/// It streams, so it relies on containers being used the way `encode(to:)` uses them:
/// a nested container is finished before its parent writes again. A value that does
/// otherwise, or that holds what JSONEncoder writes by a strategy (`Date`, `Data`,
/// `URL`), or a key written twice, makes it throw `Unsupported`, and the caller encodes
/// the value with JSONEncoder instead, whose bytes are the same.
enum JSONBufferEncoder {
    struct Unsupported: Error {}

    /// The value's JSON, written as `NullKeeping(value)` would be: inside a record that
    /// keeps every key, an absent optional is `null`.
    static func encode(_ value: some Encodable, allocator: ByteBufferAllocator = .init()) throws -> ByteBuffer {
        let writer = JSONBufferWriter(out: allocator.buffer(capacity: 1024))
        try writer.value(value, level: 0)
        if writer.failed { throw Unsupported() }
        return writer.out
    }
}

/// The buffer being written and the containers open in it, shared by the encoder and
/// the containers it hands out (which `Encoder` requires to be separate values).
final class JSONBufferWriter {
    var out: ByteBuffer
    /// Set when a value used its containers in a way this writer cannot stream.
    var failed = false
    private var frames: [Frame] = []
    /// The members of every open object, innermost last, to sort when it closes.
    private var members: [Member] = []
    private var scratch: [UInt8] = []
    private var order: [Int] = []
    private var nextID = 0

    /// An open object or array.
    struct Frame {
        var id: Int
        var isObject: Bool
        var bodyStart, firstMember, count: Int
        var inOrder, keepsNulls: Bool
    }

    /// A written member of an open object: its key and where its `"key":value` starts.
    struct Member {
        var key: String
        var start: Int
    }

    init(out: ByteBuffer) { self.out = out }

    // MARK: Values

    /// Writes any value at the given nesting level: our own value types directly, the
    /// rest through their `encode(to:)`.
    func value<T: Encodable>(_ value: T, level: Int) throws {
        if failed { return }
        if let special = value as? any JSONBufferWritable {
            try special.writeJSON(into: self)
            return
        }
        let start = out.writerIndex
        try value.encode(to: JSONBufferValueEncoder(writer: self, level: level, start: start,
                                                    keepsNulls: value is any KeepsEveryKey))
        finish(level: level, start: start)
    }

    /// Closes what a value opened; a value that wrote nothing is `{}`, as JSONEncoder has it.
    private func finish(level: Int, start: Int) {
        while frames.count > level { close() }
        if out.writerIndex == start, !failed { write("{}") }
    }

    func fail() { failed = true }

    // MARK: Containers

    /// Opens (or, for a second `container(keyedBy:)` of the same value, returns) the
    /// object or array of the value that starts at `start` on `level`.
    func open(object: Bool, level: Int, start: Int, keepsNulls: Bool) -> (id: Int, depth: Int) {
        if frames.count == level + 1, frames[level].isObject == object, frames[level].bodyStart == start + 1 {
            return (frames[level].id, level)
        }
        guard frames.count == level, out.writerIndex == start else {
            fail()
            return (-1, level)
        }
        return push(object: object, keepsNulls: keepsNulls)
    }

    /// Opens an object or array as the current member or element.
    func push(object: Bool, keepsNulls: Bool) -> (id: Int, depth: Int) {
        write(object ? UInt8(ascii: "{") : UInt8(ascii: "["))
        nextID += 1
        frames.append(Frame(id: nextID, isObject: object, bodyStart: out.writerIndex, firstMember: members.count,
                            count: 0, inOrder: true, keepsNulls: keepsNulls))
        return (nextID, frames.count - 1)
    }

    /// Makes the container at `depth` the innermost open one again, closing what its
    /// nested containers left open; false when it was closed already.
    func resume(id: Int, depth: Int) -> Bool {
        guard !failed, depth < frames.count, frames[depth].id == id else {
            fail()
            return false
        }
        while frames.count > depth + 1 { close() }
        return true
    }

    /// Starts the next member of the innermost object: the comma and `"key":`.
    func member(_ key: String) {
        let depth = frames.count - 1
        if frames[depth].count > 0 {
            write(UInt8(ascii: ","))
            if let last = members.last, !Self.precedes(last.key, key) { frames[depth].inOrder = false }
        }
        frames[depth].count += 1
        members.append(Member(key: key, start: out.writerIndex))
        string(key)
        write(UInt8(ascii: ":"))
    }

    /// Starts the next element of the innermost array.
    func element() {
        let depth = frames.count - 1
        if frames[depth].count > 0 { write(UInt8(ascii: ",")) }
        frames[depth].count += 1
    }

    func count(id: Int, depth: Int) -> Int {
        depth < frames.count && frames[depth].id == id ? frames[depth].count : 0
    }

    func keepsNulls(depth: Int) -> Bool { depth < frames.count && frames[depth].keepsNulls }

    /// Closes the innermost container; an object whose members came out of key order is
    /// rewritten in order (JSONEncoder sorts keys by their UTF-8 bytes).
    private func close() {
        guard let frame = frames.popLast() else { return }
        if frame.isObject {
            if !frame.inOrder { reorder(frame) }
            members.removeSubrange(frame.firstMember...)
            write(UInt8(ascii: "}"))
        } else {
            write(UInt8(ascii: "]"))
        }
    }

    private func reorder(_ frame: Frame) {
        let end = out.writerIndex
        // Insertion sort of the member indexes: a record has a few dozen keys, mostly
        // nearly in order, and this allocates nothing (the library sort did, per call).
        order.removeAll(keepingCapacity: true)
        for i in frame.firstMember..<members.count {
            var j = order.count
            order.append(i)
            while j > 0, Self.precedes(members[i].key, members[order[j - 1]].key) {
                order[j] = order[j - 1]
                j -= 1
            }
            order[j] = i
            // JSONEncoder keeps the last of a key written twice; leave that to it.
            if j > 0, members[order[j - 1]].key == members[i].key { return fail() }
            if j + 1 < order.count, members[order[j + 1]].key == members[i].key { return fail() }
        }
        scratch.removeAll(keepingCapacity: true)
        let base = frame.bodyStart
        out.withUnsafeReadableBytes { scratch.append(contentsOf: $0[(base - out.readerIndex)..<(end - out.readerIndex)]) }
        out.moveWriterIndex(to: base)
        scratch.withUnsafeBytes { bytes in
            for (n, i) in order.enumerated() {
                if n > 0 { write(UInt8(ascii: ",")) }
                // A member ends at the comma before the next one, the last at the object's end.
                let memberEnd = i + 1 < members.count ? members[i + 1].start - 1 : end
                out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[(members[i].start - base)..<(memberEnd - base)]))
            }
        }
    }

    /// JSONEncoder's key order: by UTF-8 bytes.
    static func precedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                guard let p = x.baseAddress, let q = y.baseAddress else { return x.count < y.count }
                let c = memcmp(p, q, min(x.count, y.count))
                return c != 0 ? c < 0 : x.count < y.count
            }
        }
    }

    // MARK: Scalars

    @inline(__always) func write(_ byte: UInt8) { out.writeInteger(byte) }
    @inline(__always) func write(_ text: StaticString) { out.writeStaticString(text) }

    func null() { write("null") }
    func bool(_ value: Bool) { value ? write("true") : write("false") }

    /// A whole number in decimal, without going through a `String`.
    func integer<I: FixedWidthInteger>(_ value: I) {
        var magnitude = UInt64(truncatingIfNeeded: value.magnitude)
        if I.bitWidth > 64, value.magnitude > UInt64.max {
            out.writeString(String(value))
            return
        }
        if value < 0 { write(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var i = 20
            repeat {
                i -= 1
                digits[i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            out.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(digits)[i..<20]))
        }
    }

    /// A float as JSONEncoder writes it: its description, without a trailing `.0`.
    /// JSONEncoder refuses infinities and NaN; leave that error to it.
    func float<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) {
        guard value.isFinite else { return fail() }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        out.writeString(text)
    }

    /// A string with JSONEncoder's escapes: quote, backslash, and control characters
    /// (`\b \f \n \r \t`, the rest as `\u00XX`); slashes and everything else as they are.
    func string(_ text: String) {
        write(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var mark = 0
            for i in bytes.indices {
                let byte = bytes[i]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if i > mark { out.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[mark..<i])) }
                mark = i + 1
                switch byte {
                case UInt8(ascii: "\""): write("\\\"")
                case UInt8(ascii: "\\"): write("\\\\")
                case 0x08: write("\\b")
                case 0x0C: write("\\f")
                case 0x0A: write("\\n")
                case 0x0D: write("\\r")
                case 0x09: write("\\t")
                default:
                    write("\\u00")
                    write(Self.hex[Int(byte >> 4)])
                    write(Self.hex[Int(byte & 0xF)])
                }
            }
            if bytes.count > mark { out.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[mark...])) }
        }
        write(UInt8(ascii: "\""))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Bytes already known to need no escaping (digits, dates), in quotes.
    func quoted(_ body: (JSONBufferWriter) -> Void) {
        write(UInt8(ascii: "\""))
        body(self)
        write(UInt8(ascii: "\""))
    }
}

/// The `Encoder` one value is written through.
struct JSONBufferValueEncoder: Encoder {
    let writer: JSONBufferWriter
    /// Where the value's bytes start, and how many containers are open around it (an
    /// `Int32`, so that the encoder fits an existential's inline storage unboxed).
    let start: Int
    let depth: Int32
    let keepsNulls: Bool
    var level: Int { Int(depth) }
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(writer: JSONBufferWriter, level: Int, start: Int, keepsNulls: Bool) {
        self.writer = writer
        self.start = start
        self.depth = Int32(truncatingIfNeeded: level)
        self.keepsNulls = keepsNulls
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let (id, depth) = writer.open(object: true, level: level, start: start, keepsNulls: keepsNulls)
        return KeyedEncodingContainer(JSONBufferKeyedContainer<Key>(writer: writer, id: id, depth: depth))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let (id, depth) = writer.open(object: false, level: level, start: start, keepsNulls: false)
        return JSONBufferUnkeyedContainer(writer: writer, id: id, depth: depth)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONBufferSingleValueContainer(writer: writer, level: level, start: start)
    }
}

struct JSONBufferKeyedContainer<Key: CodingKey>: NullKeepingContainer {
    let writer: JSONBufferWriter
    let id, depth: Int
    var codingPath: [any CodingKey] { [] }

    /// Starts the member; false when the container cannot be written any more.
    private func begin(_ key: Key) -> Bool {
        guard writer.resume(id: id, depth: depth) else { return false }
        writer.member(key.stringValue)
        return true
    }

    mutating func encodeNil(forKey key: Key) throws { if begin(key) { writer.null() } }
    mutating func encode(_ value: Bool, forKey key: Key) throws { if begin(key) { writer.bool(value) } }
    mutating func encode(_ value: String, forKey key: Key) throws { if begin(key) { writer.string(value) } }
    mutating func encode(_ value: Double, forKey key: Key) throws { if begin(key) { writer.float(value) } }
    mutating func encode(_ value: Float, forKey key: Key) throws { if begin(key) { writer.float(value) } }
    mutating func encode(_ value: Int, forKey key: Key) throws { if begin(key) { writer.integer(value) } }
    mutating func encode(_ value: Int8, forKey key: Key) throws { if begin(key) { writer.integer(value) } }
    mutating func encode(_ value: Int16, forKey key: Key) throws { if begin(key) { writer.integer(value) } }
    mutating func encode(_ value: Int32, forKey key: Key) throws { if begin(key) { writer.integer(value) } }
    mutating func encode(_ value: Int64, forKey key: Key) throws { if begin(key) { writer.integer(value) } }
    mutating func encode(_ value: UInt, forKey key: Key) throws { if begin(key) { writer.integer(value) } }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { if begin(key) { writer.integer(value) } }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { if begin(key) { writer.integer(value) } }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { if begin(key) { writer.integer(value) } }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { if begin(key) { writer.integer(value) } }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if begin(key) { try writer.value(value, level: depth + 1) }
    }

    // As NullKeeping has it (`NullKeepingContainer`): inside a record that keeps every key,
    // an absent optional is null.
    var keepsNulls: Bool { writer.keepsNulls(depth: depth) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let keepsNulls = writer.keepsNulls(depth: depth)
        let (id, depth) = begin(key) ? writer.push(object: true, keepsNulls: keepsNulls) : (-1, depth)
        return KeyedEncodingContainer(JSONBufferKeyedContainer<NestedKey>(writer: writer, id: id, depth: depth))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let (id, depth) = begin(key) ? writer.push(object: false, keepsNulls: false) : (-1, depth)
        return JSONBufferUnkeyedContainer(writer: writer, id: id, depth: depth)
    }

    // A super encoder's value is written whenever its user gets to it; leave that to JSONEncoder.
    mutating func superEncoder() -> any Encoder { unstreamable() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { unstreamable() }

    private func unstreamable() -> any Encoder {
        writer.fail()
        return JSONBufferValueEncoder(writer: writer, level: depth + 1, start: writer.out.writerIndex, keepsNulls: false)
    }
}

struct JSONBufferUnkeyedContainer: UnkeyedEncodingContainer, JSONBufferScalars {
    let writer: JSONBufferWriter
    let id, depth: Int
    var codingPath: [any CodingKey] { [] }
    var count: Int { writer.count(id: id, depth: depth) }

    func begin() -> Bool {
        guard writer.resume(id: id, depth: depth) else { return false }
        writer.element()
        return true
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        if begin() { try writer.value(value, level: depth + 1) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let (id, depth) = begin() ? writer.push(object: true, keepsNulls: false) : (-1, depth)
        return KeyedEncodingContainer(JSONBufferKeyedContainer<NestedKey>(writer: writer, id: id, depth: depth))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let (id, depth) = begin() ? writer.push(object: false, keepsNulls: false) : (-1, depth)
        return JSONBufferUnkeyedContainer(writer: writer, id: id, depth: depth)
    }

    mutating func superEncoder() -> any Encoder {
        writer.fail()
        return JSONBufferValueEncoder(writer: writer, level: depth + 1, start: writer.out.writerIndex, keepsNulls: false)
    }
}

struct JSONBufferSingleValueContainer: SingleValueEncodingContainer, JSONBufferScalars {
    let writer: JSONBufferWriter
    let level, start: Int
    var codingPath: [any CodingKey] { [] }

    /// A single value is written once, where its value starts.
    func begin() -> Bool {
        guard !writer.failed, writer.out.writerIndex == start else {
            writer.fail()
            return false
        }
        return true
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        if begin() { try writer.value(value, level: level) }
    }
}

/// The scalars an array element or a single value writes, once for both containers:
/// each starts its value (`begin`) and writes it.
protocol JSONBufferScalars {
    var writer: JSONBufferWriter { get }
    func begin() -> Bool
}

extension JSONBufferScalars {
    mutating func encodeNil() throws { if begin() { writer.null() } }
    mutating func encode(_ value: Bool) throws { if begin() { writer.bool(value) } }
    mutating func encode(_ value: String) throws { if begin() { writer.string(value) } }
    mutating func encode(_ value: Double) throws { if begin() { writer.float(value) } }
    mutating func encode(_ value: Float) throws { if begin() { writer.float(value) } }
    mutating func encode(_ value: Int) throws { if begin() { writer.integer(value) } }
    mutating func encode(_ value: Int8) throws { if begin() { writer.integer(value) } }
    mutating func encode(_ value: Int16) throws { if begin() { writer.integer(value) } }
    mutating func encode(_ value: Int32) throws { if begin() { writer.integer(value) } }
    mutating func encode(_ value: Int64) throws { if begin() { writer.integer(value) } }
    mutating func encode(_ value: UInt) throws { if begin() { writer.integer(value) } }
    mutating func encode(_ value: UInt8) throws { if begin() { writer.integer(value) } }
    mutating func encode(_ value: UInt16) throws { if begin() { writer.integer(value) } }
    mutating func encode(_ value: UInt32) throws { if begin() { writer.integer(value) } }
    mutating func encode(_ value: UInt64) throws { if begin() { writer.integer(value) } }
}
