import AssistantsV2
import JSON
import Testing

extension AssistantsSocketTests {
    @Suite struct Assistants {
        @Test func crudKeepsFieldsTheStructsDoNotModel() async throws {
            try await withAssistants { h async throws in
                let created = try await h.client.createAssistant(CreateAssistantRequest(
                    model: "gpt-4o", name: "Helper", instructions: "Be kind.",
                    tools: [.function(name: "lookup", description: "Find things.", parameters: ["type": "object", "properties": [:]])],
                    metadata: ["team": "a"], extra: ["temperature": 0.5, "response_format": "auto"]))
                #expect(created.status == 200)
                #expect(created.attempts == 1)
                #expect(created.upstreamRequestID?.isEmpty == false)
                let assistant = created.value
                #expect(assistant.id.hasPrefix("asst_"))
                #expect(assistant.name == "Helper" && assistant.model == "gpt-4o" && assistant.instructions == "Be kind.")
                #expect(assistant.tools.map(\.functionName) == ["lookup"])
                #expect(assistant.metadata == ["team": "a"])
                // Fields the struct does not model are in `raw`, as the upstream sent them.
                #expect(assistant.raw["temperature"] == 0.5)
                #expect(assistant.raw["top_p"] == 1.0)
                #expect(assistant.raw["response_format"] == "auto")
                #expect(assistant.raw["tool_resources"] == [:])
                #expect(assistant.raw["tools"]?[0]?["function"]?["description"] == "Find things.")

                let fetched = try await h.client.retrieveAssistant(id: assistant.id).value
                #expect(fetched.raw == assistant.raw)
                #expect(fetched.json.jsonString == assistant.json.jsonString, "key order survives too")

                // A modify carrying a field only `extra` names: the simulator applies and returns it.
                let modified = try await h.client.modifyAssistant(
                    id: assistant.id, ModifyAssistantRequest(name: "Renamed", metadata: ["team": "b"], extra: ["top_p": 0.25])
                ).value
                #expect(modified.name == "Renamed")
                #expect(modified.instructions == "Be kind.")
                #expect(modified.metadata == ["team": "b"])
                #expect(modified.raw["top_p"] == 0.25)
                #expect(modified.raw["temperature"] == 0.5)

                let all = try await h.client.listAssistants(ListParameters(limit: 100)).value
                #expect(Set(all.ids).isSuperset(of: ["asst_default", "asst_tools", assistant.id]))
                let deleted = try await h.client.deleteAssistant(id: assistant.id).value
                #expect(deleted.deleted && deleted.id == assistant.id)
                #expect(deleted.objectType == "assistant.deleted")
                let gone = await assistantsError { () async throws(AssistantsError) in try await h.client.retrieveAssistant(id: assistant.id) }
                #expect(gone?.isNotFound == true)
            }
        }

        @Test func preloadedAssistantsHaveTheirTools() async throws {
            try await withAssistants { h async throws in
                let tools = try await h.client.retrieveAssistant(id: "asst_tools").value
                #expect(tools.tools.map(\.functionName) == ["get_weather", "get_time"])
                #expect(tools.tools.allSatisfy { $0.type == "function" })
            }
        }

        @Test func listPaginatesForwardAndBackward() async throws {
            try await withAssistants { h async throws in
                var created: [String] = []
                for index in 0..<5 {
                    created.append(try await h.client.createAssistant(CreateAssistantRequest(model: "gpt-4o", name: "n\(index)")).value.id)
                }
                let ascending = ["asst_default", "asst_tools"] + created
                for order in [ListOrder.asc, .desc] {
                    let expected = order == .asc ? ascending : ascending.reversed()
                    let forward = try await collectForward(limit: 2, order: order) { page throws(AssistantsError) in
                        try await h.client.listAssistants(page).value
                    }
                    #expect(forward == expected, "\(order) forward")
                    let backward = try await collectBackward(limit: 3, order: order, from: expected.last!) { page throws(AssistantsError) in
                        try await h.client.listAssistants(page).value
                    }
                    #expect(backward == expected, "\(order) backward")
                }
            }
        }
    }
}

/// Every id of a list, page by page with `after` (the SDK's way), checking each envelope.
func collectForward<T: AssistantsObject>(
    limit: Int, order: ListOrder, _ fetch: (ListParameters) async throws(AssistantsError) -> AssistantsList<T>
) async throws -> [String] {
    var ids: [String] = []
    var after: String?
    for _ in 0..<100 {
        let page = try await fetch(ListParameters(limit: limit, order: order, after: after))
        #expect(page.data.count <= limit)
        #expect(page.firstID == page.data.first?.id && page.lastID == page.data.last?.id)
        ids += page.ids
        guard page.hasMore, let last = page.lastID else { return ids }
        after = last
    }
    Issue.record("more than 100 pages")
    return ids
}

/// Every id before `last` and `last` itself, page by page with `before`, in list order.
func collectBackward<T: AssistantsObject>(
    limit: Int, order: ListOrder, from last: String, _ fetch: (ListParameters) async throws(AssistantsError) -> AssistantsList<T>
) async throws -> [String] {
    var ids = [last]
    var before = last
    for _ in 0..<100 {
        let page = try await fetch(ListParameters(limit: limit, order: order, before: before))
        #expect(page.data.count <= limit)
        ids = page.ids + ids
        guard page.hasMore, let first = page.firstID else { return ids }
        before = first
    }
    Issue.record("more than 100 pages")
    return ids
}
