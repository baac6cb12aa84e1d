import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import Synchronization

/// The API's JSON conventions in one place: camelCase, sorted keys, no escaped
/// slashes; strict decoding that names every bad field.
enum JSON {
    static let maximumBodyBytes = 1 << 20
    static let maximumDepth = 32

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Reads a request body of at most 1 MiB (413 beyond) and decodes it strictly:
    /// malformed JSON or nesting deeper than 32 is a 400; a field the type does not
    /// know, a missing field or a value of the wrong kind is a 422 naming the field.
    /// Returns the value and the keys that were present, so that an update can tell
    /// "set to null" from "left alone".
    static func decode<T: StrictDecodable>(_ type: T.Type, from request: Request) async throws -> (T, Set<String>) {
        let body = try await body(of: request)
        return try decode(type, from: body)
    }

    /// The body of a JSON request: at most 1 MiB, and JSON if it says what it is.
    static func body(of request: Request) async throws -> Data {
        if let type = request.headers[.contentType]?.lowercased() {
            let mediaType = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard mediaType == "application/json" || mediaType.hasSuffix("+json") else {
                throw APIError(.unsupportedMediaType, code: "unsupported-media-type", title: "Unsupported media type",
                               detail: "Send the body as JSON with 'Content-Type: application/json'.")
            }
        }
        return Data(buffer: try await request.body.collect(upTo: maximumBodyBytes))
    }

    static func decode<T: StrictDecodable>(_ type: T.Type, from data: Data) throws -> (T, Set<String>) {
        let object = try parse(data)
        var unknown: [FieldError] = []
        T.checkKeys(object, path: "", into: &unknown)
        if !unknown.isEmpty { throw APIError.validation(unknown) }
        do {
            let value = try JSONDecoder().decode(T.self, from: data)
            let keys = (object as? [String: Any]).map { Set($0.keys) } ?? []
            return (value, keys)
        } catch let error as DecodingError {
            throw APIError.validation([fieldError(error)])
        }
    }

    /// Parses any JSON after checking its nesting depth without recursion, so a
    /// hostile body cannot exhaust the stack.
    static func parse(_ data: Data) throws -> Any {
        guard !data.isEmpty else { throw APIError.badRequest("The request needs a JSON body.") }
        var depth = 0
        var inString = false
        var escaped = false
        for byte in data {
            if inString {
                if escaped { escaped = false }
                else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maximumDepth {
                    throw APIError.badRequest("The JSON body is nested more than \(maximumDepth) levels deep.")
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw APIError.badRequest("The body is not valid UTF-8.")
        }
        if text.contains("\\u0000") {
            throw APIError.validation([FieldError("body", "Text must not contain the NUL character (\\u0000)")])
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw APIError.badRequest("The body is not valid JSON.")
        }
        // JSONSerialization keeps the last of two equal keys without a word; a client
        // (or a proxy that checked the first) would then mean one thing and Baton do another.
        if let (key, path) = duplicateKey(in: data) {
            throw APIError(.badRequest, code: "duplicate-key", title: "Duplicate key",
                           detail: "The JSON body has the key \"\(key)\" more than once (at \(path)); send each key once.",
                           errors: [FieldError(path, "The key \(key) appears more than once")])
        }
        return object
    }

    /// The first key that appears twice in one object of a valid JSON text, with its
    /// path (`lines[2].name`), or nil. Keys are compared after unescaping, so `"a"` and
    /// `"\u0061"` are the same key.
    static func duplicateKey(in data: Data) -> (key: String, path: String)? {
        enum Container {
            case object(keys: Set<String>, expectingKey: Bool, current: String?)
            case array(index: Int)
        }
        let bytes = [UInt8](data)
        var stack: [Container] = []
        var i = 0
        func path(_ stack: [Container]) -> String {
            var text = ""
            for container in stack {
                switch container {
                case .object(_, _, let current?): text += text.isEmpty ? current : "." + current
                case .object: break
                case .array(let index): text += "[\(index)]"
                }
            }
            return text.isEmpty ? "body" : text
        }
        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case UInt8(ascii: "\""):
                let start = i + 1
                var end = start
                var escaped = false
                while end < bytes.count {
                    if escaped { escaped = false }
                    else if bytes[end] == UInt8(ascii: "\\") { escaped = true }
                    else if bytes[end] == UInt8(ascii: "\"") { break }
                    end += 1
                }
                if case .object(var keys, true, _)? = stack.last {
                    let raw = Array(bytes[start..<min(end, bytes.count)])
                    let key: String
                    if raw.contains(UInt8(ascii: "\\")) {
                        let quoted = Data([UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")])
                        key = (try? JSONSerialization.jsonObject(with: quoted, options: [.fragmentsAllowed])) as? String
                            ?? String(decoding: raw, as: UTF8.self)
                    } else {
                        key = String(decoding: raw, as: UTF8.self)
                    }
                    let inserted = keys.insert(key).inserted
                    stack[stack.count - 1] = .object(keys: keys, expectingKey: false, current: key)
                    if !inserted { return (key, path(stack)) }
                }
                i = end
            case UInt8(ascii: "{"): stack.append(.object(keys: [], expectingKey: true, current: nil))
            case UInt8(ascii: "["): stack.append(.array(index: 0))
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast()
            case UInt8(ascii: ","):
                switch stack.last {
                case .object(let keys, _, let current)?: stack[stack.count - 1] = .object(keys: keys, expectingKey: true, current: current)
                case .array(let index)?: stack[stack.count - 1] = .array(index: index + 1)
                case nil: break
                }
            default: break
            }
            i += 1
        }
        return nil
    }

    static func fieldError(_ error: DecodingError) -> FieldError {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" }
                else { text += text.isEmpty ? key.stringValue : "." + key.stringValue }
            }
            return text.isEmpty ? "body" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return FieldError(path(context.codingPath + [key]), "\(key.stringValue) is required")
        case .valueNotFound(_, let context):
            return FieldError(path(context.codingPath), "Must not be null")
        case .typeMismatch(let type, let context):
            return FieldError(path(context.codingPath), "Must be \(describe(type))")
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if let message = APIEnumerations.message(path: field, description: context.debugDescription) {
                return FieldError(field, message)
            }
            let message = context.debugDescription.isEmpty ? "Has the wrong format" : context.debugDescription
            return FieldError(path(context.codingPath), message.prefix(1).uppercased() + message.dropFirst())
        @unknown default:
            return FieldError("body", "Is not valid")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type: "a whole number"
        case is [Any].Type: "a list"
        default: "a value of another kind"
        }
    }
}

/// A request body that refuses fields it does not know. `Field` lists the known
/// ones; a type with nested objects lists their types in `nested`.
protocol StrictDecodable: Decodable {
    associatedtype Field: CodingKey & CaseIterable
    static var nested: [String: any StrictDecodable.Type] { get }
    /// Adds an error for every key of `object` that the type does not know.
    static func checkKeys(_ object: Any, path: String, into errors: inout [FieldError])
}

extension StrictDecodable {
    static var nested: [String: any StrictDecodable.Type] { [:] }

    static func checkKeys(_ object: Any, path: String, into errors: inout [FieldError]) {
        if let array = object as? [Any] {
            for (i, element) in array.enumerated() { checkKeys(element, path: "\(path)[\(i)]", into: &errors) }
            return
        }
        guard let dictionary = object as? [String: Any] else { return }
        let known = Set(Field.allCases.map(\.stringValue))
        for key in dictionary.keys.sorted() {
            let fieldPath = path.isEmpty ? key : "\(path).\(key)"
            guard known.contains(key) else {
                errors.append(FieldError(fieldPath, "Unknown field \(key); remove it"))
                continue
            }
            if let inner = nested[key], let value = dictionary[key], !(value is NSNull) {
                inner.checkKeys(value, path: fieldPath, into: &errors)
            }
        }
    }
}

/// A list body (`PUT /users/{id}/skills`) whose elements are strict.
struct StrictList<Element: StrictDecodable>: StrictDecodable {
    enum Field: CodingKey, CaseIterable {}
    var items: [Element]

    init(from decoder: any Decoder) throws {
        items = try [Element](from: decoder)
    }

    static func checkKeys(_ object: Any, path: String, into errors: inout [FieldError]) {
        guard let array = object as? [Any] else { return }
        for (i, element) in array.enumerated() { Element.checkKeys(element, path: "\(path)[\(i)]", into: &errors) }
    }
}

/// A response body already encoded, with its status and headers: what handlers
/// return, and what idempotency keys replay.
struct APIResponse: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    /// The bytes the response sends: API JSON is written straight into this buffer.
    var buffer: ByteBuffer

    init(status: HTTPResponse.Status, headers: HTTPFields, buffer: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.buffer = buffer
    }

    init(status: HTTPResponse.Status, headers: HTTPFields, body: Data) {
        self.init(status: status, headers: headers, buffer: ByteBuffer(bytes: body))
    }

    /// The body as `Data`, for what keeps or reads it (idempotency replays, tests).
    var body: Data {
        get { Data(buffer: buffer) }
        set { buffer = ByteBuffer(bytes: newValue) }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> APIResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return APIResponse(status: status, headers: headers, buffer: try JSON.bytes(value))
    }

    static func noContent() -> APIResponse {
        APIResponse(status: .noContent, headers: [:], body: Data())
    }

    var response: Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }
}

extension JSON {
    /// A value's API JSON (`NullKeeping`), written straight into a buffer; the few values
    /// the buffer writer cannot stream go through `encoder`, with the same bytes.
    static func bytes(_ value: some Encodable, allocator: ByteBufferAllocator = .init()) throws -> ByteBuffer {
        let bytes: ByteBuffer
        do {
            bytes = try JSONBufferEncoder.encode(value, allocator: allocator)
        } catch is JSONBufferEncoder.Unsupported {
            crossCheck.noteFallback(type(of: value))
            return ByteBuffer(bytes: try encoder.encode(NullKeeping(value)))
        }
        if crossCheck.isOn { crossCheck.compare(bytes, with: try encoder.encode(NullKeeping(value)), of: type(of: value)) }
        return bytes
    }

    /// Off in service; tests turn it on so that every API response of theirs is also
    /// encoded by JSONEncoder and compared byte for byte (JSONBufferEncoderTests).
    static let crossCheck = JSONCrossCheck()
}

final class JSONCrossCheck: Sendable {
    private let on = Atomic<Bool>(false)
    private let found = Mutex<(mismatches: [String], fallbacks: Set<String>)>(([], []))

    var isOn: Bool { on.load(ordering: .relaxed) }
    func turnOn() { on.store(true, ordering: .relaxed) }

    /// What differed (type, new and old text) and which types fell back to JSONEncoder.
    var results: (mismatches: [String], fallbacks: Set<String>) { found.withLock { $0 } }

    func compare(_ bytes: ByteBuffer, with expected: Data, of type: Any.Type) {
        guard Data(buffer: bytes) != expected else { return }
        let text = "\(type): \(String(buffer: bytes))\n  JSONEncoder: \(String(decoding: expected, as: UTF8.self))"
        found.withLock { $0.mismatches.append(text) }
    }

    func noteFallback(_ type: Any.Type) {
        guard isOn else { return }
        found.withLock { _ = $0.fallbacks.insert("\(type)") }
    }
}
