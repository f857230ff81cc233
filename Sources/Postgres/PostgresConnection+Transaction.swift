extension PostgresConnection {
    /// Runs `body` in a transaction: `BEGIN`, then `COMMIT` when it returns, or `ROLLBACK` when
    /// it throws or the task is cancelled (the rollback itself is not cancellable).
    ///
    /// ```swift
    /// try await connection.transaction { tx in
    ///     try await tx.query(PostgresQuery("INSERT INTO users (subject) VALUES ($1)", subject))
    /// }
    /// ```
    public func transaction<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await onLoop(loop) {
            _ = try await self.run(PostgresQuery("BEGIN"), timeout: nil)
            do {
                let value = try await body(self)
                if Task.isCancelled { throw PostgresError(.cancelled) }
                _ = try await self.run(PostgresQuery("COMMIT"), timeout: nil, cancellable: false)
                return value
            } catch {
                await self.rollback()
                throw error
            }
        }
    }

    /// Rolls back whatever is open; a connection that cannot is closed (a pool then discards it).
    private func rollback() async {
        do {
            _ = try await run(PostgresQuery("ROLLBACK"), timeout: Self.cancelGrace, cancellable: false)
        } catch {
            if !isClosed { closeNow(error) }
        }
    }
}
