/// The PostgreSQL schema, as versioned migrations: each runs once, in order, in one transaction, and
/// is recorded in `schema_migrations`. A migration, once released, is never edited: a change is a
/// new version.
///
/// The tables are those of the SQLite store (docs/architecture.md, "The event log schema"), plus
/// `log_head`, the one-row counter every append locks, so that `seq` is gap-free and in commit order
/// across nodes; and `swarm_append`, the append as one statement (one round trip, one transaction).
enum PostgresMigrations {
    struct Migration {
        var version: Int
        var name: String
        /// One statement each (the extended protocol takes one at a time).
        var statements: [String]
        /// After the statements, rebuild the knowledge base's index in Swift (``SearchText`` terms
        /// cannot be computed in SQL).
        var reindexesArticles = false
    }

    /// The advisory lock key that serialises migrations when several nodes start at once.
    static let lockKey: Int64 = 0x5357_4152_4D00  // "SWARM\0"

    static let all: [Migration] = [
        Migration(
            version: 1, name: "log",
            statements: [
                """
                CREATE TABLE log_head (
                    id BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
                    seq BIGINT NOT NULL
                )
                """,
                "INSERT INTO log_head (id, seq) VALUES (TRUE, 0)",
                """
                CREATE TABLE event (
                    seq BIGINT PRIMARY KEY,
                    type TEXT NOT NULL,
                    ticket TEXT,
                    actor TEXT NOT NULL,
                    at BIGINT NOT NULL,
                    channels TEXT NOT NULL,
                    body TEXT NOT NULL
                )
                """,
                "CREATE INDEX event_ticket ON event (ticket, seq)",
                """
                CREATE TABLE event_channel (
                    channel TEXT NOT NULL,
                    seq BIGINT NOT NULL,
                    PRIMARY KEY (channel, seq)
                )
                """,
                """
                CREATE TABLE command (
                    agent TEXT NOT NULL,
                    id TEXT NOT NULL,
                    ack TEXT NOT NULL,
                    at BIGINT NOT NULL,
                    PRIMARY KEY (agent, id)
                )
                """,
                "CREATE INDEX command_at ON command (at)",
                """
                CREATE TABLE ticket (
                    id TEXT PRIMARY KEY,
                    number BIGINT NOT NULL UNIQUE,
                    status TEXT NOT NULL,
                    queue TEXT NOT NULL,
                    requester TEXT NOT NULL,
                    priority TEXT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    body TEXT NOT NULL
                )
                """,
                "CREATE INDEX ticket_status ON ticket (status, number)",
                "CREATE INDEX ticket_queue ON ticket (queue, number)",
                "CREATE INDEX ticket_requester ON ticket (requester, number)",
                """
                CREATE TABLE token (
                    id BIGSERIAL PRIMARY KEY,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    hash TEXT NOT NULL UNIQUE,
                    created_at BIGINT NOT NULL,
                    revoked_at BIGINT
                )
                """,
                "CREATE INDEX token_name ON token (name)",
                """
                CREATE TABLE kb_article (
                    id TEXT PRIMARY KEY,
                    status TEXT NOT NULL,
                    title TEXT NOT NULL,
                    body TEXT NOT NULL,
                    search TSVECTOR NOT NULL
                )
                """,
                "CREATE INDEX kb_article_search ON kb_article USING GIN (search)",
                // The append, in one statement: lock the head, check the writer's view, write
                // everything, move the head and announce it. An exception anywhere rolls back all of it.
                // SW001: the log moved past the writer's view; SW002: a command id was already used.
                """
                CREATE FUNCTION swarm_append(
                    expected BIGINT,
                    e_seq BIGINT[], e_type TEXT[], e_ticket TEXT[], e_actor TEXT[], e_at BIGINT[],
                    e_channels TEXT[], e_body TEXT[],
                    c_channel TEXT[], c_seq BIGINT[],
                    k_agent TEXT[], k_id TEXT[], k_ack TEXT[], k_at BIGINT[], k_window BIGINT,
                    t_id TEXT[], t_number BIGINT[], t_status TEXT[], t_queue TEXT[], t_requester TEXT[],
                    t_priority TEXT[], t_updated BIGINT[], t_body TEXT[],
                    a_id TEXT[], a_status TEXT[], a_title TEXT[], a_text TEXT[], a_tags TEXT[], a_body TEXT[]
                ) RETURNS BIGINT LANGUAGE plpgsql AS $$
                DECLARE
                    head BIGINT;
                    written BIGINT;
                BEGIN
                    SELECT seq INTO head FROM log_head FOR UPDATE;
                    IF head <> expected THEN
                        RAISE EXCEPTION 'the log is at seq %, the batch was decided at seq %', head, expected
                            USING ERRCODE = 'SW001';
                    END IF;
                    IF cardinality(e_seq) > 0 THEN
                        IF e_seq[1] <> head + 1 THEN
                            RAISE EXCEPTION 'the log ends at seq % but the next event is %', head, e_seq[1]
                                USING ERRCODE = 'SW001';
                        END IF;
                        INSERT INTO event (seq, type, ticket, actor, at, channels, body)
                            SELECT s, ty, NULLIF(ti, ''), ac, a, ch, b
                            FROM unnest(e_seq, e_type, e_ticket, e_actor, e_at, e_channels, e_body)
                                AS x(s, ty, ti, ac, a, ch, b);
                        INSERT INTO event_channel (channel, seq) SELECT * FROM unnest(c_channel, c_seq);
                        head := e_seq[cardinality(e_seq)];
                        UPDATE log_head SET seq = head;
                        PERFORM pg_notify('swarm_log', head::TEXT);
                    END IF;
                    IF cardinality(k_agent) > 0 THEN
                        -- A row older than the idempotency window may be reused, as the SQLite store
                        -- replaces it; a newer one means another node already committed this command.
                        WITH w AS (
                            INSERT INTO command (agent, id, ack, at)
                                SELECT * FROM unnest(k_agent, k_id, k_ack, k_at)
                            ON CONFLICT (agent, id) DO UPDATE SET ack = EXCLUDED.ack, at = EXCLUDED.at
                                WHERE command.at < EXCLUDED.at - k_window
                            RETURNING 1
                        ) SELECT count(*) INTO written FROM w;
                        IF written < cardinality(k_agent) THEN
                            RAISE EXCEPTION 'a command id of the batch was already committed' USING ERRCODE = 'SW002';
                        END IF;
                    END IF;
                    INSERT INTO ticket (id, number, status, queue, requester, priority, updated_at, body)
                        SELECT * FROM unnest(t_id, t_number, t_status, t_queue, t_requester, t_priority, t_updated, t_body)
                    ON CONFLICT (id) DO UPDATE SET number = EXCLUDED.number, status = EXCLUDED.status,
                        queue = EXCLUDED.queue, requester = EXCLUDED.requester, priority = EXCLUDED.priority,
                        updated_at = EXCLUDED.updated_at, body = EXCLUDED.body;
                    INSERT INTO kb_article (id, status, title, body, search)
                        SELECT i, st, ti, b,
                            setweight(to_tsvector('simple', ti), 'A') || setweight(to_tsvector('simple', tg), 'B')
                                || setweight(to_tsvector('simple', tx), 'D')
                        FROM unnest(a_id, a_status, a_title, a_text, a_tags, a_body) AS x(i, st, ti, tx, tg, b)
                    ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, title = EXCLUDED.title,
                        body = EXCLUDED.body, search = EXCLUDED.search;
                    RETURN head;
                END
                $$
                """,
            ]),
        Migration(
            version: 2, name: "log epoch",
            statements: [
                // One row: the log's identity (LogEpoch), 16 hex digits of a random UUID; `swarmd migrate`
                // replaces it with the source's, as the copy is the same log.
                """
                CREATE TABLE log_epoch (
                    id BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
                    epoch TEXT NOT NULL
                )
                """,
                "INSERT INTO log_epoch (id, epoch) VALUES (TRUE, left(replace(gen_random_uuid()::text, '-', ''), 16))",
            ]),
        Migration(
            version: 3, name: "mail out",
            statements: [
                // The hub's outgoing mail (MailStore): the queue, and how far the log has been planned.
                """
                CREATE TABLE mail_out (
                    id TEXT PRIMARY KEY,
                    seq BIGINT NOT NULL,
                    ticket TEXT,
                    recipient TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    message BYTEA NOT NULL,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt BIGINT NOT NULL,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    sent_at BIGINT
                )
                """,
                "CREATE INDEX mail_out_due ON mail_out(state, next_attempt, seq)",
                """
                CREATE TABLE mail_cursor (
                    id BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
                    seq BIGINT NOT NULL
                )
                """,
                "INSERT INTO mail_cursor (id, seq) VALUES (TRUE, -1)",
            ]),
        Migration(
            version: 4, name: "webhook out",
            statements: [
                // The hub's outgoing webhooks (WebhookStore): the deliveries, and how far the log has been
                // planned for each hook.
                """
                CREATE TABLE webhook_out (
                    id TEXT PRIMARY KEY,
                    seq BIGINT NOT NULL,
                    hook TEXT NOT NULL,
                    ticket TEXT,
                    event TEXT NOT NULL,
                    body BYTEA NOT NULL,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt BIGINT NOT NULL,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    sent_at BIGINT
                )
                """,
                "CREATE INDEX webhook_out_due ON webhook_out(state, next_attempt, seq)",
                "CREATE INDEX webhook_out_hook ON webhook_out(hook, state, seq)",
                "CREATE TABLE webhook_cursor (hook TEXT PRIMARY KEY, seq BIGINT NOT NULL)",
            ]),
        Migration(
            version: 5, name: "kb search terms",
            statements: [
                // The knowledge base's index holds SearchText terms (Snowball stems without stop words,
                // computed in Swift as for SQLite) instead of the articles' words. swarm_append still
                // indexes the words it is given; the append calls this on its result, in the same
                // statement, to replace them: `SELECT swarm_kb_index(swarm_append(...), ...)`.
                """
                CREATE FUNCTION swarm_kb_index(head BIGINT, a_id TEXT[], a_title TEXT[], a_tags TEXT[], a_text TEXT[])
                RETURNS BIGINT LANGUAGE sql AS $$
                    UPDATE kb_article SET search = setweight(to_tsvector('simple', x.ti), 'A')
                            || setweight(to_tsvector('simple', x.tg), 'B') || setweight(to_tsvector('simple', x.tx), 'D')
                        FROM unnest(a_id, a_title, a_tags, a_text) AS x(i, ti, tg, tx)
                        WHERE kb_article.id = x.i;
                    SELECT head;
                $$
                """
            ], reindexesArticles: true),
        Migration(
            version: 6, name: "blobs",
            statements: [
                // Attachments' bytes (BlobStore): blobs by SHA-256 in 256 KiB chunks, and the uploads on
                // their way in; every node serves every file.
                """
                CREATE TABLE blob (
                    sha256 TEXT PRIMARY KEY,
                    size BIGINT NOT NULL,
                    chunks INTEGER NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE blob_chunk (
                    sha256 TEXT NOT NULL,
                    n INTEGER NOT NULL,
                    data BYTEA NOT NULL,
                    PRIMARY KEY (sha256, n)
                )
                """,
                "CREATE TABLE blob_upload (id TEXT PRIMARY KEY, started_at BIGINT NOT NULL)",
                """
                CREATE TABLE blob_upload_chunk (
                    upload TEXT NOT NULL,
                    n INTEGER NOT NULL,
                    data BYTEA NOT NULL,
                    PRIMARY KEY (upload, n)
                )
                """,
            ]),
        Migration(
            version: 7, name: "blob data written once",
            statements: [
                // An upload's chunks stay where they were written, and the finished blob names them (`owner`),
                // where they were copied whole at the finish (SQLite's v8-blob-data).
                """
                CREATE TABLE blob_data (
                    owner TEXT NOT NULL,
                    n INTEGER NOT NULL,
                    data BYTEA NOT NULL,
                    PRIMARY KEY (owner, n)
                )
                """,
                "INSERT INTO blob_data (owner, n, data) SELECT sha256, n, data FROM blob_chunk",
                "INSERT INTO blob_data (owner, n, data) SELECT upload, n, data FROM blob_upload_chunk",
                "ALTER TABLE blob ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
                "UPDATE blob SET owner = sha256",
                "DROP TABLE blob_chunk",
                "DROP TABLE blob_upload_chunk",
            ]),
    ]
}
