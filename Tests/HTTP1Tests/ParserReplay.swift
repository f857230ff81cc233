@testable import HTTP1

/// What the request path sees from the parser, in order.
enum ParseEvent: Equatable, CustomStringConvertible {
    case head(expectsContinue: Bool)
    case message(ParsedRequest)
    case failed(HTTPServerError)

    var description: String {
        switch self {
        case .head(let expectsContinue): "head(expectsContinue: \(expectsContinue))"
        case .message(let request):
            "message(\(request.method) \(request.target) 1.\(request.versionMinor) keepAlive=\(request.keepAlive) "
                + "headers=\(request.headers.fields.map { "\($0.name)=\($0.value)" }) body=\(request.body.count)B)"
        case .failed(let error): "failed(\(error.code.name))"
        }
    }

    var failure: HTTPServerError? {
        if case .failed(let error) = self { return error }
        return nil
    }

    var request: ParsedRequest? {
        if case .message(let request) = self { return request }
        return nil
    }
}

/// Replays `HTTPServerConnection.parse`'s loop over `pieces` (each piece one socket read):
/// feed the unconsumed rest of a piece until it is used up, record each outcome, and stop
/// for good at the first failure, as the connection does.
///
/// A feed that consumed nothing without an outcome would make the connection spin; it is
/// recorded as a malformed-request failure with the message `stalled` so tests catch it.
func replay(_ pieces: [[UInt8]], limits: HTTPLimits = HTTPLimits()) -> [ParseEvent] {
    let parser = RequestParser(limits: limits)
    var events: [ParseEvent] = []
    pieceLoop: for piece in pieces {
        let stop = piece.withUnsafeBytes { raw -> Bool in
            var remaining = raw
            while !remaining.isEmpty {
                let (consumed, outcome) = parser.feed(remaining)
                guard consumed >= 0, consumed <= remaining.count else {
                    events.append(.failed(HTTPServerError(.malformedRequest, "consumed \(consumed) of \(remaining.count)")))
                    return true
                }
                remaining = UnsafeRawBufferPointer(rebasing: remaining[consumed...])
                switch outcome {
                case .needMore:
                    if consumed == 0 {
                        events.append(.failed(HTTPServerError(.malformedRequest, "stalled")))
                        return true
                    }
                case .headComplete(let expectsContinue):
                    events.append(.head(expectsContinue: expectsContinue))
                case .message(let request):
                    events.append(.message(request))
                case .failed(let error):
                    events.append(.failed(error))
                    return true
                }
            }
            return false
        }
        if stop { break pieceLoop }
    }
    return events
}

/// The same bytes fed whole, split in two at every offset, and byte by byte. Inputs longer
/// than `exhaustiveUpTo` are split at every offset of their first and last 512 bytes and at
/// every 61st offset between (re-parsing 30 KB at each of 30 000 offsets adds nothing).
func splits(of bytes: [UInt8], exhaustiveUpTo: Int = 4096) -> [(label: String, pieces: [[UInt8]])] {
    var result: [(String, [[UInt8]])] = [("whole", [bytes])]
    for cut in 1..<max(1, bytes.count) {
        if bytes.count > exhaustiveUpTo && cut > 512 && cut < bytes.count - 512 && cut % 61 != 0 { continue }
        result.append(("split at \(cut)", [Array(bytes[..<cut]), Array(bytes[cut...])]))
    }
    result.append(("byte by byte", bytes.map { [$0] }))
    return result
}

extension Array where Element == UInt8 {
    init(http text: String) { self = Array(text.utf8) }
}
