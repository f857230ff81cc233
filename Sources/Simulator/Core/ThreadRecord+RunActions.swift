import JSON

extension ThreadRecord {
    /// Carries out the lifecycle's orders for the run at `index`: steps, messages, timestamps,
    /// usage, and the stream events of each change (notes §7 order).
    mutating func apply(_ actions: [RunLifecycle.Action], toRunAt index: Int, ids: inout IDGenerator) {
        for action in actions {
            apply(action, toRunAt: index, ids: &ids)
        }
        if runs[index].status.isTerminal, activeRunID == runs[index].id {
            activeRunID = nil
        }
    }

    private mutating func apply(_ action: RunLifecycle.Action, toRunAt index: Int, ids: inout IDGenerator) {
        switch action {
        case .startWorking(let at):
            runs[index].startedAt = at
            recordRun(index, "thread.run.in_progress")
        case .beginToolCalls(_, let at):
            beginStep(index, type: "tool_calls", details: ["type": "tool_calls", "tool_calls": []], at: at, ids: &ids)
        case .requestToolOutputs(_, let at):
            requestToolOutputs(index, at: at, ids: &ids)
        case .acceptToolOutputs(_, let at):
            let outputs = runs[index].rounds.last ?? []
            runs[index].promptTokens += outputs.reduce(0) { $0 + ReplyRule.tokens($1.output ?? "") }
            if let step = runs[index].currentStep {
                runs[index].steps[step].details = ["type": "tool_calls", "tool_calls": .array(outputs.map(\.stepJSON))]
                finishStep(index, status: "completed", at: at)
            }
            recordRun(index, "thread.run.queued")
        case .beginReply(let at):
            beginReply(index, at: at, ids: &ids)
        case .emitReplyChunk(let chunk, let count, _):
            emitChunk(index, chunk: chunk, of: count)
        case .completeReply(let at):
            endReply(index, messageStatus: "completed", at: at)
            runs[index].completedAt = at
            recordRun(index, "thread.run.completed")
        case .truncateReply(let at):
            endReply(index, messageStatus: "incomplete", at: at)
            runs[index].incompleteDetails = ["reason": "max_completion_tokens"]
            recordRun(index, "thread.run.incomplete")
        case .fail(let at):
            let error: JSONValue = ["code": "server_error", "message": "Sorry, something went wrong."]
            interrupt(index, stepStatus: "failed", reason: "run_failed", at: at, error: error)
            runs[index].failedAt = at
            runs[index].lastError = error
            recordRun(index, "thread.run.failed")
        case .expire(let at):
            interrupt(index, stepStatus: "expired", reason: "run_expired", at: at, error: nil)
            recordRun(index, "thread.run.expired")
        case .beginCancelling:
            recordRun(index, "thread.run.cancelling")
        case .finishCancelling(let at):
            interrupt(index, stepStatus: "cancelled", reason: "run_cancelled", at: at, error: nil)
            runs[index].cancelledAt = at
            recordRun(index, "thread.run.cancelled")
        }
    }

    // MARK: Pieces

    private mutating func recordRun(_ index: Int, _ event: String) {
        let json = runs[index].json
        runs[index].log.record(event, json)
    }

    private mutating func beginStep(_ index: Int, type: String, details: JSONValue, at: Int64, ids: inout IDGenerator) {
        let run = runs[index]
        let step = RunStepRecord(
            id: ids.make(.step), createdAt: at, runID: run.id, assistantID: run.assistantID, threadID: id, type: type,
            details: details)
        runs[index].steps.append(step)
        runs[index].currentStep = runs[index].steps.count - 1
        runs[index].log.record("thread.run.step.created", step.json)
        runs[index].log.record("thread.run.step.in_progress", step.json)
    }

    /// Ends the current step with `status` (and usage when completed).
    private mutating func finishStep(_ index: Int, status: String, at: Int64, error: JSONValue? = nil) {
        guard let position = runs[index].currentStep else { return }
        runs[index].currentStep = nil
        var step = runs[index].steps[position]
        step.status = status
        switch status {
        case "completed":
            step.completedAt = at
            let completion: Int
            if step.type == "tool_calls" {
                completion = (runs[index].rounds.last ?? []).reduce(0) { $0 + ReplyRule.tokens($1.arguments) }
            } else {
                completion = ReplyRule.tokens(runs[index].replyWritten)
            }
            step.usage = (runs[index].promptTokens, completion)
        case "failed":
            step.failedAt = at
            step.lastError = error ?? .null
        case "cancelled": step.cancelledAt = at
        case "expired": step.expiredAt = at
        default: preconditionFailure("unknown step status \(status)")
        }
        runs[index].steps[position] = step
        runs[index].log.record("thread.run.step.\(status)", step.json)
    }

    private mutating func requestToolOutputs(_ index: Int, at: Int64, ids: inout IDGenerator) {
        let arguments = JSONValue.object(["query": .string(runs[index].script.text)]).jsonString
        let calls = runs[index].calledTools.map { ToolCall(id: ids.make(.call), name: $0, arguments: arguments) }
        runs[index].rounds.append(calls)
        runs[index].completionTokens += calls.reduce(0) { $0 + ReplyRule.tokens($1.arguments) }
        guard let step = runs[index].currentStep else { preconditionFailure("tool calls without a step") }
        runs[index].steps[step].details = ["type": "tool_calls", "tool_calls": .array(calls.map(\.stepJSON))]
        let stepID = runs[index].steps[step].id
        for (position, call) in calls.enumerated() {
            let opening: JSONValue = [
                "index": .int(Int64(position)), "id": .string(call.id), "type": "function",
                "function": ["name": .string(call.name), "arguments": "", "output": .null],
            ]
            let arguments: JSONValue = [
                "index": .int(Int64(position)), "type": "function", "function": ["arguments": .string(call.arguments)],
            ]
            for delta in [opening, arguments] {
                runs[index].log.record(
                    "thread.run.step.delta",
                    [
                        "id": .string(stepID), "object": "thread.run.step.delta",
                        "delta": ["step_details": ["type": "tool_calls", "tool_calls": [delta]]],
                    ])
            }
        }
        recordRun(index, "thread.run.requires_action")
    }

    private mutating func beginReply(_ index: Int, at: Int64, ids: inout IDGenerator) {
        let run = runs[index]
        var reply = ReplyRule.reply(to: run.script.text, toolOutputs: run.toolOutputs)
        if run.lifecycle.plan.ending == .incomplete { reply = ReplyRule.truncated(reply) }
        let message = MessageRecord(
            id: ids.make(.message), createdAt: at / 1000, threadID: id, status: "in_progress", role: "assistant",
            content: [], assistantID: run.assistantID, runID: run.id)
        messages.append(message)
        runs[index].replyMessageID = message.id
        runs[index].replyText = reply
        runs[index].replyWritten = ""
        beginStep(
            index, type: "message_creation",
            details: ["type": "message_creation", "message_creation": ["message_id": .string(message.id)]], at: at, ids: &ids)
        runs[index].log.record("thread.message.created", message.json)
        runs[index].log.record("thread.message.in_progress", message.json)
    }

    private mutating func emitChunk(_ index: Int, chunk: Int, of count: Int) {
        let piece = ReplyRule.chunks(runs[index].replyText, count: count)[chunk]
        guard !piece.isEmpty, let messageID = runs[index].replyMessageID, let position = messageIndex(messageID) else { return }
        let first = runs[index].replyWritten.isEmpty
        runs[index].replyWritten += piece
        messages[position].content = [.textContent(runs[index].replyWritten)]
        var text: JSONObject = ["value": .string(piece)]
        if first { text["annotations"] = [] }
        runs[index].log.record(
            "thread.message.delta",
            [
                "id": .string(messageID), "object": "thread.message.delta",
                "delta": ["content": [["index": 0, "type": "text", "text": .object(text)]]],
            ])
    }

    /// Ends the reply message with `messageStatus` and completes its step.
    private mutating func endReply(_ index: Int, messageStatus: String, at: Int64) {
        runs[index].replyWritten = runs[index].replyText
        runs[index].completionTokens += ReplyRule.tokens(runs[index].replyText)
        if let messageID = runs[index].replyMessageID, let position = messageIndex(messageID) {
            messages[position].content = [.textContent(runs[index].replyText)]
            messages[position].status = messageStatus
            if messageStatus == "completed" {
                messages[position].completedAt = at / 1000
            } else {
                messages[position].incompleteAt = at / 1000
                messages[position].incompleteDetails = ["reason": "max_tokens"]
            }
            runs[index].log.record("thread.message.\(messageStatus)", messages[position].json)
        }
        finishStep(index, status: "completed", at: at)
    }

    /// Stops whatever step is in progress: the step ends with `stepStatus`, a reply message in
    /// progress ends `incomplete` with `reason`.
    private mutating func interrupt(_ index: Int, stepStatus: String, reason: String, at: Int64, error: JSONValue?) {
        guard let step = runs[index].currentStep else { return }
        if runs[index].steps[step].type == "message_creation", let messageID = runs[index].replyMessageID,
            let position = messageIndex(messageID), messages[position].status == "in_progress"
        {
            runs[index].completionTokens += ReplyRule.tokens(runs[index].replyWritten)
            messages[position].status = "incomplete"
            messages[position].incompleteAt = at / 1000
            messages[position].incompleteDetails = ["reason": .string(reason)]
            runs[index].log.record("thread.message.incomplete", messages[position].json)
        }
        finishStep(index, status: stepStatus, at: at, error: error)
    }
}
