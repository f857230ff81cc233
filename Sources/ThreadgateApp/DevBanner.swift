/// What `threadgate dev` prints once the gateway listens: the URL, the two tokens, and
/// commands to paste. The `export` lines are meant to be pasted into a shell as they are
/// (scripts find the tokens by them: `sed -n 's/^export TOKEN=//p'`).
enum DevBanner {
    /// - Parameters:
    ///   - url: the gateway's root, such as `http://127.0.0.1:8080`.
    ///   - tokens: the dev tokens, or nil when the environment configures JWKS keys instead.
    static func lines(url: String, tokens: DevTokens?) -> [String] {
        var lines = [
            "",
            "threadgate dev is ready: \(url)  (API: \(url)/openapi.json, readiness: \(url)/readyz)",
            "",
        ]
        if let tokens {
            let hours = DevTokens.lifetime.components.seconds / 3600
            lines += [
                "Tokens (HS256, valid \(hours) h): \(DevTokens.userSubject), and \(DevTokens.adminSubject) with the admin role:",
                "",
                "export URL=\(url)",
                "export TOKEN=\(tokens.user)",
                "export ADMIN_TOKEN=\(tokens.admin)",
            ]
        } else {
            lines += [
                "No tokens printed: AUTH_JWKS_FILE/AUTH_JWKS_URL is configured, so tokens come from your identity provider.",
                "",
                "export URL=\(url)",
                "export TOKEN=<a token from your identity provider>",
            ]
        }
        lines += [
            "",
            "Ask (new thread, run, wait, reply):",
            #"  curl -s -X POST $URL/v1/ask -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"content":"Hello!"}'"#,
            "Your threads:",
            #"  curl -s $URL/v1/threads -H "Authorization: Bearer $TOKEN""#,
            "Users (admin):",
            #"  curl -s $URL/admin/v1/users -H "Authorization: Bearer $ADMIN_TOKEN""#,
            "",
            "OpenAI Python SDK (pip install openai; TOKEN exported as above):",
            "  import os",
            "  from openai import OpenAI",
            #"  client = OpenAI(base_url="\#(url)/v1", api_key=os.environ["TOKEN"])"#,
            "  thread = client.beta.threads.create()",
            #"  client.beta.threads.messages.create(thread.id, role="user", content="Hello!")"#,
            #"  run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id="asst_default")"#,
            "  print(client.beta.threads.messages.list(thread.id).data[0].content[0].text.value)",
            "",
            "threadgate dev: press Ctrl-C to stop",
        ]
        return lines
    }
}
