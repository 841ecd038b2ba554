-- callbridge schema, SQLite dialect. The PostgreSQL dialect in ../postgres/0001_initial.sql
-- must stay equivalent: same tables, columns, meanings and constraints. Times are integer
-- milliseconds since the Unix epoch (UTC); booleans are 0/1 integers; ids are time-ordered
-- text (see src/id.rs), so ordering by id is ordering by creation and cursors are ids.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE org_settings (
    org_id              TEXT PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    store_transcripts   INTEGER NOT NULL DEFAULT 0,
    retention_days      INTEGER NOT NULL DEFAULT 90,
    time_zone           TEXT NOT NULL DEFAULT 'UTC',
    business_hours      TEXT NOT NULL DEFAULT '{}',
    default_country     TEXT NOT NULL DEFAULT 'US',
    updated_at          INTEGER NOT NULL
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'rep')),
    platform_admin  INTEGER NOT NULL DEFAULT 0,
    disabled        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    UNIQUE (org_id, email)
);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    prefix        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    revoked_at    INTEGER,
    last_used_at  INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE provider_keys (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    provider    TEXT NOT NULL,
    nonce       BLOB NOT NULL,
    ciphertext  BLOB NOT NULL,
    last4       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (org_id, provider)
);

CREATE TABLE personas (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,          -- JSON: role, industry, personality, voice, facts...
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX personas_org ON personas(org_id, id);

CREATE TABLE scenarios (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    persona_id  TEXT REFERENCES personas(id) ON DELETE SET NULL,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,          -- JSON: difficulty, objections, hidden needs, win conditions
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX scenarios_org ON scenarios(org_id, id);

-- A script is a name and a pointer to its newest version; an edit inserts a version, so a call
-- can always name the exact text it followed.
CREATE TABLE scripts (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,      -- outbound | inbound | coaching
    current_version INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX scripts_org ON scripts(org_id, id);

CREATE TABLE script_versions (
    script_id   TEXT NOT NULL REFERENCES scripts(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    body        TEXT NOT NULL,          -- JSON: steps, branches, actions
    created_by  TEXT,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (script_id, version)
);

CREATE TABLE knowledge_docs (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    source_kind TEXT NOT NULL,          -- text | pdf | web
    source      TEXT NOT NULL,          -- file name or URL
    version     INTEGER NOT NULL,
    content     TEXT NOT NULL,          -- extracted plain text
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX knowledge_docs_org ON knowledge_docs(org_id, id);

CREATE TABLE routing_rules (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    priority    INTEGER NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    conditions  TEXT NOT NULL,          -- JSON
    action      TEXT NOT NULL,          -- JSON
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX routing_rules_org ON routing_rules(org_id, priority);

CREATE TABLE phone_numbers (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    e164        TEXT NOT NULL UNIQUE,
    label       TEXT NOT NULL,
    provider    TEXT NOT NULL,          -- twilio | sip
    profile     TEXT NOT NULL,          -- JSON agent profile / route
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX phone_numbers_org ON phone_numbers(org_id, id);

CREATE TABLE campaigns (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL,          -- draft | running | paused | completed
    script_id   TEXT REFERENCES scripts(id) ON DELETE SET NULL,
    settings    TEXT NOT NULL,          -- JSON: calling window, pacing, retries, caller id
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX campaigns_org ON campaigns(org_id, id);

CREATE TABLE leads (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    campaign_id     TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    phone           TEXT NOT NULL,      -- E.164
    name            TEXT NOT NULL,
    company         TEXT NOT NULL,
    email           TEXT NOT NULL,
    time_zone       TEXT NOT NULL,
    time_zone_source TEXT NOT NULL,     -- row | number | org
    status          TEXT NOT NULL,      -- pending | calling | done | failed | dnc
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    fields          TEXT NOT NULL,      -- JSON: the row's other columns
    created_at      INTEGER NOT NULL,
    UNIQUE (campaign_id, phone)
);
CREATE INDEX leads_campaign ON leads(campaign_id, id);

CREATE TABLE dnc_entries (
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    phone       TEXT NOT NULL,          -- E.164
    reason      TEXT NOT NULL,
    source      TEXT NOT NULL,          -- api | import | call
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, phone)
);

CREATE TABLE calls (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    direction       TEXT NOT NULL,      -- inbound | outbound | practice
    transport       TEXT NOT NULL,      -- twilio | sip | webrtc | text | upload
    mode            TEXT NOT NULL,      -- roleplay | coach | text | outbound | inbound | analysis
    status          TEXT NOT NULL,      -- queued | ringing | in_progress | completed | failed
    outcome         TEXT,               -- booked | transferred | no_answer | voicemail | dnc | ...
    from_number     TEXT NOT NULL,
    to_number       TEXT NOT NULL,
    user_id         TEXT REFERENCES users(id) ON DELETE SET NULL,
    campaign_id     TEXT REFERENCES campaigns(id) ON DELETE SET NULL,
    lead_id         TEXT REFERENCES leads(id) ON DELETE SET NULL,
    persona_id      TEXT,
    script_id       TEXT,
    script_version  INTEGER,
    external_id     TEXT,               -- Twilio CallSid, SIP Call-ID
    started_at      INTEGER NOT NULL,
    answered_at     INTEGER,
    ended_at        INTEGER,
    duration_ms     INTEGER,
    end_reason      TEXT,
    metrics         TEXT NOT NULL DEFAULT '{}',
    created_at      INTEGER NOT NULL
);
CREATE INDEX calls_org ON calls(org_id, id);
CREATE INDEX calls_org_started ON calls(org_id, started_at);
CREATE INDEX calls_external ON calls(external_id);

CREATE TABLE transcript_segments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      TEXT NOT NULL,
    call_id     TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    speaker     TEXT NOT NULL,          -- caller | agent | rep | supervisor
    start_ms    INTEGER NOT NULL,
    end_ms      INTEGER NOT NULL,
    text        TEXT NOT NULL,
    confidence  REAL,
    created_at  INTEGER NOT NULL,
    UNIQUE (call_id, seq)
);
CREATE INDEX transcript_segments_org_created ON transcript_segments(org_id, created_at);

-- Full-text index over segment text, kept in step by triggers, so a segment is searchable in
-- the same transaction that writes it.
CREATE VIRTUAL TABLE transcript_fts USING fts5(
    text, content='transcript_segments', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER transcript_segments_ai AFTER INSERT ON transcript_segments BEGIN
    INSERT INTO transcript_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER transcript_segments_ad AFTER DELETE ON transcript_segments BEGIN
    INSERT INTO transcript_fts(transcript_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER transcript_segments_au AFTER UPDATE OF text ON transcript_segments BEGIN
    INSERT INTO transcript_fts(transcript_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO transcript_fts(rowid, text) VALUES (new.id, new.text);
END;

CREATE TABLE recordings (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    call_id     TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    path        TEXT NOT NULL,          -- relative to the data directory
    channels    INTEGER NOT NULL,
    sample_rate INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX recordings_call ON recordings(call_id);
CREATE INDEX recordings_org_created ON recordings(org_id, created_at);

CREATE TABLE analyses (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    call_id     TEXT REFERENCES calls(id) ON DELETE CASCADE,
    status      TEXT NOT NULL,          -- pending | done | failed
    result      TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX analyses_org ON analyses(org_id, id);

CREATE TABLE consent_records (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    call_id     TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,          -- recording | transcript | ai_disclosure
    granted     INTEGER NOT NULL,
    method      TEXT NOT NULL,          -- announcement | dtmf | verbal | setting
    detail      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX consent_call ON consent_records(call_id);
