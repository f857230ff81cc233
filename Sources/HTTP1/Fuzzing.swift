/// The request path without sockets, for the libFuzzer driver (`Sources/HTTPFuzz`).
///
/// Not part of the server's API: it exists so the fuzzer, which cannot use `@testable`, can
/// reach the internal parser, state machine and encoder.
public enum HTTPRequestFuzzing {
    /// Feeds `bytes` through the request path as a connection would: the first byte picks how
    /// the rest is split into 2–3 reads and whether tight limits apply; every parsed request
    /// gets a response head and body, every refusal the plain error response. Traps when an
    /// invariant breaks (a parsed request over the limits, a head with a bare CR or LF, an
    /// impossible state transition); otherwise returns quietly.
    public static func _fuzzOneInput(_ bytes: UnsafeRawBufferPointer) {
        guard let control = bytes.first else { return }
        let input = UnsafeRawBufferPointer(rebasing: bytes[1...])
        let limits =
            control & 0x80 != 0
            ? HTTPLimits(maxRequestTargetBytes: 64, maxHeaderBytes: 512, maxHeaderCount: 8, maxBodyBytes: 256)
            : HTTPLimits()
        var run = FuzzConnection(limits: limits)
        for piece in pieces(of: input, control: control) {
            if !run.receive(piece) { break }
        }
    }

    /// Splits `input` into 2 or 3 consecutive pieces at offsets derived from `control`.
    static func pieces(of input: UnsafeRawBufferPointer, control: UInt8) -> [UnsafeRawBufferPointer] {
        let count = input.count
        let first = count * Int(control & 0x0F) / 15
        guard control & 0x40 != 0 else {
            return [UnsafeRawBufferPointer(rebasing: input[..<first]), UnsafeRawBufferPointer(rebasing: input[first...])]
        }
        let second = first + (count - first) * Int((control >> 4) & 0x03) / 3
        return [
            UnsafeRawBufferPointer(rebasing: input[..<first]),
            UnsafeRawBufferPointer(rebasing: input[first..<second]),
            UnsafeRawBufferPointer(rebasing: input[second...]),
        ]
    }
}

/// `HTTPServerConnection.parse` and its responses without the socket: the same state machine
/// transitions, with every response encoded and checked.
private struct FuzzConnection {
    let limits: HTTPLimits
    let parser: RequestParser
    var machine = ConnectionStateMachine()
    var encoder = ResponseEncoder()
    var requestIDs = RequestIDGenerator()

    init(limits: HTTPLimits) {
        self.limits = limits
        parser = RequestParser(limits: limits)
    }

    /// Handles one read; false once the connection would close.
    mutating func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var remaining = bytes
        while !remaining.isEmpty {
            if machine.state == .idle { _ = machine.requestBytesArrived() }
            let (consumed, outcome) = parser.feed(remaining)
            precondition(consumed >= 0 && consumed <= remaining.count, "consumed \(consumed) of \(remaining.count)")
            remaining = UnsafeRawBufferPointer(rebasing: remaining[consumed...])
            switch outcome {
            case .needMore:
                precondition(consumed > 0, "the parser made no progress")
            case .headComplete(let expectsContinue):
                _ = machine.headComplete(expectsContinue: expectsContinue)
            case .message(let request):
                precondition(machine.messageComplete(keepAlive: request.keepAlive) == .dispatch)
                respond(to: request)
                switch machine.responseComplete() {
                case .parseBufferedAndArmIdleTimer: continue
                default: return false
                }
            case .failed(let error):
                guard case .sendErrorAndClose(let refused) = machine.parseFailed(error) else {
                    preconditionFailure("a parse failure must refuse the request")
                }
                let response = HTTPServerConfiguration.plainErrorResponse(refused)
                precondition(response.status == error.code.status)
                encode(response, requestID: requestIDs.next(), versionMinor: 1, keepAlive: false, isHead: false)
                return false
            }
        }
        return true
    }

    private mutating func respond(to parsed: ParsedRequest) {
        precondition(parsed.target.utf8.allSatisfy { $0 < 0x80 }, "non-ASCII request target accepted")
        precondition(parsed.target.utf8.count <= limits.maxRequestTargetBytes, "target over the limit")
        precondition(parsed.body.count <= limits.maxBodyBytes, "body over the limit")
        precondition(parsed.headers.count <= limits.maxHeaderCount, "too many headers")
        let requestID =
            parsed.headers["x-request-id"].flatMap { RequestIDGenerator.isUsable($0) ? $0 : nil } ?? requestIDs.next()
        let request = HTTPRequest(
            method: parsed.method, target: parsed.target, versionMinor: parsed.versionMinor,
            headers: parsed.headers, body: parsed.body, requestID: requestID)
        // Echo what the client sent back into response headers: the encoder must keep the head well-formed.
        var headers = HTTPHeaders()
        for field in request.headers.fields.prefix(16) { headers.add(name: "X-Echo-" + field.name, value: field.value) }
        headers.add(name: "X-Path", value: String(request.path))
        headers.add(name: "X-Query", value: String(request.query ?? ""))
        let keepAlive = machine.keepsAliveAfterResponse
        let response = HTTPResponse(status: parsed.body.isEmpty ? .ok : .created, headers: headers, bytes: parsed.body)
        encode(response, requestID: request.requestID, versionMinor: request.versionMinor, keepAlive: keepAlive, isHead: request.method == .head)
        let streamed = HTTPResponse(status: .ok, headers: headers, body: .stream { _ in })
        let head = encoder.head(for: streamed, requestID: request.requestID, versionMinor: request.versionMinor, keepAlive: keepAlive, contentLength: nil)
        Self.checkHead(head)
        if !parsed.body.isEmpty { precondition(ResponseEncoder.chunk(parsed.body).count > parsed.body.count + 4) }
    }

    private mutating func encode(_ response: HTTPResponse, requestID: String, versionMinor: Int, keepAlive: Bool, isHead: Bool) {
        guard case .bytes(let body) = response.body else { return }
        let head = encoder.head(for: response, requestID: requestID, versionMinor: versionMinor, keepAlive: keepAlive, contentLength: body.count)
        Self.checkHead(head)
    }

    /// A head is lines ending in CRLF with no other CR or LF, closed by an empty line.
    private static func checkHead(_ head: [UInt8]) {
        precondition(head.count >= 4 && Array(head.suffix(4)) == [13, 10, 13, 10], "head not terminated")
        var index = 0
        var emptyLines = 0
        while index < head.count {
            let byte = head[index]
            if byte == 13 {
                precondition(index + 1 < head.count && head[index + 1] == 10, "bare CR in a head")
                if index >= 2 && head[index - 1] == 10 { emptyLines += 1 }
                index += 2
                continue
            }
            precondition(byte != 10 && byte != 0, "bare LF or NUL in a head")
            index += 1
        }
        precondition(emptyLines == 1, "the head contains an empty line before its end")
    }
}
