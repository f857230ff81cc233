-- threadgate's first schema: users, threads, runs and idempotency records (BRIEF §4).
-- Applied once, in a transaction, by the Migrator. Never edit after it has been applied.

CREATE TABLE users (
    subject        text        PRIMARY KEY,          -- the token's `sub`
    role           text        NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now()
);

-- Admin user search by subject prefix (`LIKE 'abc%'`) whatever the database collation.
CREATE INDEX users_subject_prefix_idx ON users (subject text_pattern_ops);

CREATE TABLE threads (
    id                      text        PRIMARY KEY,  -- threadgate's own id, `thr_…`
    owner_subject           text        NOT NULL REFERENCES users (subject) ON DELETE CASCADE,
    upstream_thread_id      text        NOT NULL,
    upstream_dialect        text        NOT NULL CHECK (upstream_dialect IN ('assistants', 'responses')),
    title                   text,
    metadata                jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    last_activity_at        timestamptz NOT NULL DEFAULT now(),
    active_run_id           text,
    active_run_lease_until  timestamptz,
    deleted_at              timestamptz,
    UNIQUE (upstream_dialect, upstream_thread_id)
);

-- A user's threads, newest activity first, keyset pagination on (last_activity_at, id).
CREATE INDEX threads_owner_activity_idx
    ON threads (owner_subject, last_activity_at DESC, id DESC)
    WHERE deleted_at IS NULL;

CREATE TABLE runs (
    upstream_run_id  text        PRIMARY KEY,
    thread_id        text        NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    status           text        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    completed_at     timestamptz,
    usage            jsonb,
    idempotency_key  text
);

CREATE INDEX runs_thread_idx ON runs (thread_id, created_at DESC);

CREATE TABLE idempotency_keys (
    subject              text        NOT NULL REFERENCES users (subject) ON DELETE CASCADE,
    key                  text        NOT NULL,
    request_fingerprint  text        NOT NULL,
    status               text        NOT NULL DEFAULT 'in_flight' CHECK (status IN ('in_flight', 'completed')),
    response_status      integer,
    response_body        bytea,
    created_at           timestamptz NOT NULL DEFAULT now(),
    expires_at           timestamptz NOT NULL,
    PRIMARY KEY (subject, key)
);

-- The sweeper deletes expired records in expiry order.
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);
