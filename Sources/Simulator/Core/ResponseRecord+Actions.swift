import JSON

extension ResponseRecord {
    /// Carries out the lifecycle's orders: output items, usage, timestamps and the stream
    /// events of each change, in the documented order.
    mutating func apply(_ actions: [ResponseLifecycle.Action], ids: inout IDGenerator) {
        for action in actions {
            apply(action, ids: &ids)
        }
    }

    private mutating func apply(_ action: ResponseLifecycle.Action, ids: inout IDGenerator) {
        switch action {
        case .startWorking:
            recordResponse("response.in_progress")
        case .beginOutput:
            guard calledTools.isEmpty else { return }
            let item = ResponseItems.withID(ids.make(.message), ResponseItems.message(role: "assistant", content: [], status: "in_progress"))
            output.append(item)
            record("response.output_item.added", ["output_index": 0, "item": item])
            record(
                "response.content_part.added",
                ["item_id": item["id"]!, "output_index": 0, "content_index": 0, "part": ResponseItems.outputText("")])
        case .emitChunk(let index, let count, _):
            guard calledTools.isEmpty, let item = output.first else { return }
            let piece = ReplyRule.chunks(replyText, count: count)[index]
            guard !piece.isEmpty else { return }
            replyWritten += piece
            output[0] = Self.message(item, text: replyWritten, status: "in_progress")
            record(
                "response.output_text.delta",
                ["item_id": item["id"]!, "output_index": 0, "content_index": 0, "delta": .string(piece), "logprobs": []])
        case .complete(let at):
            finishOutput(itemStatus: "completed", ids: &ids)
            completedAt = at
            recordResponse("response.completed")
        case .truncate:
            finishOutput(itemStatus: "incomplete", ids: &ids)
            incompleteDetails = ["reason": "max_output_tokens"]
            recordResponse("response.incomplete")
        case .fail(let expired, _):
            let message = expired ? "The response timed out before it could be completed." : "Sorry, something went wrong."
            error = ["code": "server_error", "message": .string(message)]
            recordResponse("response.failed")
        case .cancel:
            // The upstream sends no `response.cancelled` event; a stream of it just ends.
            break
        }
    }

    /// Ends the message (full text) or writes the function calls, each with its events.
    private mutating func finishOutput(itemStatus: String, ids: inout IDGenerator) {
        if calledTools.isEmpty {
            guard let item = output.first else { return }
            replyWritten = replyText
            outputTokens += ReplyRule.tokens(replyText)
            output[0] = Self.message(item, text: replyText, status: itemStatus)
            let fields: JSONObject = ["item_id": item["id"]!, "output_index": 0, "content_index": 0]
            record("response.output_text.done", fields.merging(["text": .string(replyText), "logprobs": []]))
            record("response.content_part.done", fields.merging(["part": ResponseItems.outputText(replyText)]))
            record("response.output_item.done", ["output_index": 0, "item": output[0]])
            return
        }
        let arguments = JSONValue.object(["query": .string(script.text)]).jsonString
        for name in calledTools {
            let index = output.count
            let itemID = ids.make(.functionCall)
            let callID = ids.make(.call)
            let open: JSONValue = [
                "id": .string(itemID), "type": "function_call", "status": "in_progress", "arguments": "",
                "call_id": .string(callID), "name": .string(name),
            ]
            output.append(open)
            record("response.output_item.added", ["output_index": .int(Int64(index)), "item": open])
            let half = arguments.index(arguments.startIndex, offsetBy: arguments.count / 2)
            for delta in [String(arguments[..<half]), String(arguments[half...])] where !delta.isEmpty {
                record(
                    "response.function_call_arguments.delta",
                    ["item_id": .string(itemID), "output_index": .int(Int64(index)), "delta": .string(delta)])
            }
            record(
                "response.function_call_arguments.done",
                [
                    "item_id": .string(itemID), "name": .string(name), "output_index": .int(Int64(index)),
                    "arguments": .string(arguments),
                ])
            let done: JSONValue = [
                "id": .string(itemID), "type": "function_call", "status": .string(itemStatus),
                "arguments": .string(arguments), "call_id": .string(callID), "name": .string(name),
            ]
            output[index] = done
            outputTokens += ReplyRule.tokens(arguments)
            record("response.output_item.done", ["output_index": .int(Int64(index)), "item": done])
        }
    }

    static func message(_ item: JSONValue, text: String, status: String) -> JSONValue {
        var object = item.objectValue ?? [:]
        object["status"] = .string(status)
        object["content"] = [ResponseItems.outputText(text)]
        return .object(object)
    }
}

extension JSONObject {
    /// This object with `other`'s pairs added (replacing equal keys).
    func merging(_ other: JSONObject) -> JSONObject {
        var merged = self
        for (key, value) in other { merged[key] = value }
        return merged
    }
}
