-- The link between a thread and the upstream it was moved to (`threadgate migrate-threads`,
-- `POST /admin/v1/threads/{id}/migrate`): Assistants threads copied into Responses conversations.
-- One row per thread, rewritten by each attempt; the thread's own id never changes.

CREATE TABLE thread_migrations (
    thread_id                text        PRIMARY KEY REFERENCES threads (id) ON DELETE CASCADE,
    -- copying: a conversation is being filled (its id below, once created); migrated: the thread
    -- row now points at it; failed: the thread row was left untouched (error_* say why).
    status                   text        NOT NULL CHECK (status IN ('copying', 'migrated', 'failed')),
    from_dialect             text        NOT NULL,
    from_upstream_thread_id  text        NOT NULL,
    to_dialect               text        NOT NULL,
    -- Recorded before any item is added, so an interrupted copy can be found and deleted.
    to_upstream_thread_id    text,
    -- Messages read from the old thread, and of those the ones written into the new one.
    message_count            integer     NOT NULL DEFAULT 0,
    copied_count             integer     NOT NULL DEFAULT 0,
    -- What could not be carried over, counted by kind: {"image_file": 2, "attachment": 1, …}.
    dropped                  jsonb       NOT NULL DEFAULT '{}'::jsonb,
    attempts                 integer     NOT NULL DEFAULT 1,
    started_at               timestamptz NOT NULL DEFAULT now(),   -- of the latest attempt
    finished_at              timestamptz,
    error_code               text,
    error_message            text,
    -- The claim marker that held the thread's turn during the latest attempt.
    holder                   text
);

-- Operators' view: what failed, what is stuck copying.
CREATE INDEX thread_migrations_status_idx ON thread_migrations (status, started_at);
