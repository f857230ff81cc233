import HTTP1
public import HTTPRouting

extension SimulatorError: APIErrorConvertible {
    /// The same error in HTTPRouting's type, so the router sends it unchanged.
    public var apiError: APIError {
        APIError(
            status: HTTPStatus(status), type: APIError.ErrorType(type), code: code.map { APIError.Code($0) },
            message: message, param: param)
    }
}
