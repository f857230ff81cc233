import HTTPRouting
import JSON

extension RoutedRequest {
    /// The body as a JSON object, in the upstream's words when it is not one; an empty body is `{}`.
    func simulatorBody() throws(SimulatorError) -> JSONObject {
        guard body.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else { return [:] }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: body)
        } catch {
            throw .invalid(
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)"
            )
        }
        guard let object = value.objectValue else {
            throw .invalid("Invalid type for request body: expected an object, but got \(value.kind.article) instead.", code: "invalid_type")
        }
        return object
    }

    /// `limit` (1–100, default 20), `order` (`asc`|`desc`, default `desc`), `after`, `before`.
    func listQuery() throws(SimulatorError) -> ListQuery {
        var list = ListQuery()
        if let text = query["limit"] {
            guard let limit = Int(text) else { throw .invalidType("limit", expected: "an integer", got: .string) }
            if limit < 1 {
                throw .invalid(
                    "Invalid 'limit': integer below minimum value. Expected a value >= 1, but got \(limit) instead.",
                    param: "limit", code: "integer_below_min_value")
            }
            if limit > 100 {
                throw .invalid(
                    "Invalid 'limit': integer above maximum value. Expected a value <= 100, but got \(limit) instead.",
                    param: "limit", code: "integer_above_max_value")
            }
            list.limit = limit
        }
        if let text = query["order"] {
            guard let order = ListQuery.Order(rawValue: text) else {
                throw .invalidValue("order", value: text, supported: ["asc", "desc"])
            }
            list.order = order
        }
        list.after = query["after"].flatMap { $0.isEmpty ? nil : $0 }
        list.before = query["before"].flatMap { $0.isEmpty ? nil : $0 }
        return list
    }

    /// A path parameter the route pattern always has.
    func id(_ name: String) throws(SimulatorError) -> String {
        guard let value = parameters[name] else { preconditionFailure("route \(routeTemplate) has no parameter \(name)") }
        return value
    }
}
