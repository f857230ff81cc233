import HTTP1
public import HTTPRouting
public import UpstreamAPI

/// The one place upstream failures become the gateway's answers.
///
/// - the upstream's own 4xx (bad request, not found, conflict…) pass through in the public
///   shape, with upstream ids in the message replaced by the gateway's;
/// - 401/403 from the upstream are the gateway's credentials failing, not the client's: 502;
/// - 429 stays 429 with `Retry-After`; 5xx after the client's retries → 502;
/// - timeouts → 504, unreachable → 502, unreadable answers → 502.
/// Upstream hosts, keys and transport details go to `debugDetail` (logs) only.
extension UpstreamAPIError: APIErrorConvertible {
    public var apiError: APIError { apiError(replacing: []) }

    /// The public error, with each `(upstream id, gateway id)` pair replaced in the message.
    func apiError(replacing ids: [(String, String)]) -> APIError {
        let detail = description + (upstreamRequestID.map { " (upstream request \($0))" } ?? "")
        switch kind {
        case .rejected:
            let status = status ?? 502
            if status == 429 {
                var error = APIError.tooManyRequests(
                    retryAfterSeconds: Self.seconds(retryAfter) ?? 1, message: "The upstream is rate limiting requests. Please retry later.")
                error.debugDetail = detail
                return error
            }
            if status == 401 || status == 403 || status >= 500 || status < 400 {
                return .badGateway(debugDetail: detail)
            }
            var message = message
            for (upstream, gateway) in ids where !upstream.isEmpty {
                message = message.replacingAll(upstream, with: gateway)
            }
            let errorType: APIError.ErrorType = status == 404 ? .notFound : .invalidRequest
            return APIError(
                status: HTTPStatus(status), type: type.map(APIError.ErrorType.init) ?? errorType,
                code: code.map(APIError.Code.init) ?? (status == 404 ? .notFound : .invalidRequest),
                message: message, param: param, debugDetail: detail)
        case .timeout:
            return .gatewayTimeout(debugDetail: detail)
        case .cancelled:
            return APIError(
                status: HTTPStatus(499), type: .invalidRequest, code: APIError.Code("client_closed_request"),
                message: "The request was cancelled.", debugDetail: detail)
        case .unsupported:
            return APIError(
                status: .notImplemented, type: .invalidRequest, code: APIError.Code("unsupported_by_upstream"),
                message: message, debugDetail: detail)
        default:
            var error = APIError.badGateway(debugDetail: detail)
            if kind == .unreachable { error.message = "The upstream service could not be reached." }
            return error
        }
    }

    /// Whole seconds, rounded up, for `Retry-After`.
    static func seconds(_ duration: Duration?) -> Int? {
        guard let duration else { return nil }
        let (seconds, attoseconds) = duration.components
        return Int(seconds) + (attoseconds > 0 ? 1 : 0)
    }
}

extension String {
    /// Every occurrence of `target` replaced by `replacement` (no Foundation on this path).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
