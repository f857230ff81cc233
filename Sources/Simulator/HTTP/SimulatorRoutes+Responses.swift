import HTTP1
import HTTPRouting
import JSON

/// The Responses + Conversations API under `/v1`, beside the Assistants routes: the same
/// engine, key and faults, but no `OpenAI-Beta` requirement (the upstream asks for none here).
extension SimulatorRoutes {
    func registerConversations(on v1: RouteGroup) {
        let engine = engine
        v1.post("/conversations") { request in
            let body = try request.simulatorBody()
            return .json(try await engine.perform { state, now throws(SimulatorError) in try state.createConversation(body, now: now) })
        }
        v1.get("/conversations/{conversation_id}") { request in
            let id = try request.id("conversation_id")
            return .json(try await engine.perform { state, _ throws(SimulatorError) in try state.conversation(id) })
        }
        v1.post("/conversations/{conversation_id}") { request in
            let id = try request.id("conversation_id")
            let body = try request.simulatorBody()
            return .json(try await engine.perform { state, _ throws(SimulatorError) in try state.updateConversation(id, body) })
        }
        v1.delete("/conversations/{conversation_id}") { request in
            let id = try request.id("conversation_id")
            return .json(try await engine.perform { state, _ throws(SimulatorError) in try state.deleteConversation(id) })
        }
        v1.post("/conversations/{conversation_id}/items") { request in
            let id = try request.id("conversation_id")
            let body = try request.simulatorBody()
            return .json(
                try await engine.perform { state, _ throws(SimulatorError) in try state.createConversationItems(id, body) })
        }
        v1.get("/conversations/{conversation_id}/items") { request in
            let id = try request.id("conversation_id")
            let query = try request.listQuery()
            return .json(
                try await engine.perform { state, now throws(SimulatorError) in
                    try state.listConversationItems(id, query, now: now)
                })
        }
        v1.get("/conversations/{conversation_id}/items/{item_id}") { request in
            let id = try request.id("conversation_id")
            let itemID = try request.id("item_id")
            return .json(
                try await engine.perform { state, now throws(SimulatorError) in
                    try state.conversationItem(id, itemID: itemID, now: now)
                })
        }
        v1.delete("/conversations/{conversation_id}/items/{item_id}") { request in
            let id = try request.id("conversation_id")
            let itemID = try request.id("item_id")
            return .json(
                try await engine.perform { state, now throws(SimulatorError) in
                    try state.deleteConversationItem(id, itemID: itemID, now: now)
                })
        }
    }

    func registerResponses(on v1: RouteGroup) {
        let engine = engine
        v1.post("/responses") { request in
            let body = try request.simulatorBody()
            let start = try await engine.perform { state, now throws(SimulatorError) in try state.createResponse(body, now: now) }
            if start.stream { return ResponseEventStream.response(engine: engine, responseID: start.responseID, from: 0) }
            if start.background { return .json(start.json) }
            return .json(try await ResponseEventStream.awaitEnd(engine: engine, responseID: start.responseID))
        }
        v1.get("/responses/{response_id}") { request in
            let id = try request.id("response_id")
            let snapshot = try await engine.perform { state, now throws(SimulatorError) in try state.response(id, now: now) }
            guard try request.flag("stream") else { return .json(snapshot.json) }
            let startingAfter = try request.integer("starting_after")
            return ResponseEventStream.response(engine: engine, responseID: id, from: startingAfter.map { $0 + 1 } ?? 0)
        }
        v1.post("/responses/{response_id}/cancel") { request in
            let id = try request.id("response_id")
            return .json(try await engine.perform { state, now throws(SimulatorError) in try state.cancelResponse(id, now: now) })
        }
        v1.delete("/responses/{response_id}") { request in
            let id = try request.id("response_id")
            return .json(try await engine.perform { state, _ throws(SimulatorError) in try state.deleteResponse(id) })
        }
        v1.get("/responses/{response_id}/input_items") { request in
            let id = try request.id("response_id")
            let query = try request.listQuery()
            return .json(try await engine.perform { state, _ throws(SimulatorError) in try state.responseInputItems(id, query) })
        }
    }
}

extension RoutedRequest {
    /// A boolean query parameter (`true`/`false`); false when absent.
    func flag(_ name: String) throws(SimulatorError) -> Bool {
        guard let text = query[name], !text.isEmpty else { return false }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw .invalidType(name, expected: "a boolean", got: .string)
        }
    }

    /// A non-negative integer query parameter; nil when absent.
    func integer(_ name: String) throws(SimulatorError) -> Int? {
        guard let text = query[name], !text.isEmpty else { return nil }
        guard let value = Int(text), value >= 0 else { throw .invalidType(name, expected: "an integer", got: .string) }
        return value
    }
}
