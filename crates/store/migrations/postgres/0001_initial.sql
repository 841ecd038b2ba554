-- callbridge schema, PostgreSQL dialect. The SQLite dialect in ../sqlite/0001_initial.sql
-- must stay equivalent: same tables, columns, meanings and constraints. Times are integer
-- milliseconds since the Unix epoch (UTC); booleans are 0/1 integers; ids are time-ordered
-- text (see src/id.rs), so ordering by id is ordering by creation and cursors are ids.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE org_settings (
    org_id              TEXT PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    store_transcripts   BIGINT NOT NULL DEFAULT 0,
    retention_days      BIGINT NOT NULL DEFAULT 90,
    time_zone           TEXT NOT NULL DEFAULT 'UTC',
    business_hours      TEXT NOT NULL DEFAULT '{}',
    default_country     TEXT NOT NULL DEFAULT 'US',
    updated_at          BIGINT NOT NULL
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'rep')),
    platform_admin  BIGINT NOT NULL DEFAULT 0,
    disabled        BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    UNIQUE (org_id, email)
);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    prefix        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    revoked_at    BIGINT,
    last_used_at  BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE provider_keys (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    provider    TEXT NOT NULL,
    nonce       BYTEA NOT NULL,
    ciphertext  BYTEA NOT NULL,
    last4       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (org_id, provider)
);

CREATE TABLE personas (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,          -- JSON: role, industry, personality, voice, facts...
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX personas_org ON personas(org_id, id);

CREATE TABLE scenarios (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    persona_id  TEXT REFERENCES personas(id) ON DELETE SET NULL,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,          -- JSON: difficulty, objections, hidden needs, win conditions
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX scenarios_org ON scenarios(org_id, id);

-- A script is a name and a pointer to its newest version; an edit inserts a version, so a call
-- can always name the exact text it followed.
CREATE TABLE scripts (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,      -- outbound | inbound | coaching
    current_version BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX scripts_org ON scripts(org_id, id);

CREATE TABLE script_versions (
    script_id   TEXT NOT NULL REFERENCES scripts(id) ON DELETE CASCADE,
    version     BIGINT NOT NULL,
    body        TEXT NOT NULL,          -- JSON: steps, branches, actions
    created_by  TEXT,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (script_id, version)
);

CREATE TABLE knowledge_docs (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    source_kind TEXT NOT NULL,          -- text | pdf | web
    source      TEXT NOT NULL,          -- file name or URL
    version     BIGINT NOT NULL,
    content     TEXT NOT NULL,          -- extracted plain text
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX knowledge_docs_org ON knowledge_docs(org_id, id);

CREATE TABLE routing_rules (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    priority    BIGINT NOT NULL,
    enabled     BIGINT NOT NULL DEFAULT 1,
    conditions  TEXT NOT NULL,          -- JSON
    action      TEXT NOT NULL,          -- JSON
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX routing_rules_org ON routing_rules(org_id, priority);

CREATE TABLE phone_numbers (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    e164        TEXT NOT NULL UNIQUE,
    label       TEXT NOT NULL,
    provider    TEXT NOT NULL,          -- twilio | sip
    profile     TEXT NOT NULL,          -- JSON agent profile / route
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX phone_numbers_org ON phone_numbers(org_id, id);

CREATE TABLE campaigns (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL,          -- draft | running | paused | completed
    script_id   TEXT REFERENCES scripts(id) ON DELETE SET NULL,
    settings    TEXT NOT NULL,          -- JSON: calling window, pacing, retries, caller id
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
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
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    fields          TEXT NOT NULL,      -- JSON: the row's other columns
    created_at      BIGINT NOT NULL,
    UNIQUE (campaign_id, phone)
);
CREATE INDEX leads_campaign ON leads(campaign_id, id);

CREATE TABLE dnc_entries (
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    phone       TEXT NOT NULL,          -- E.164
    reason      TEXT NOT NULL,
    source      TEXT NOT NULL,          -- api | import | call
    created_at  BIGINT NOT NULL,
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
    script_version  BIGINT,
    external_id     TEXT,               -- Twilio CallSid, SIP Call-ID
    started_at      BIGINT NOT NULL,
    answered_at     BIGINT,
    ended_at        BIGINT,
    duration_ms     BIGINT,
    end_reason      TEXT,
    metrics         TEXT NOT NULL DEFAULT '{}',
    created_at      BIGINT NOT NULL
);
CREATE INDEX calls_org ON calls(org_id, id);
CREATE INDEX calls_org_started ON calls(org_id, started_at);
CREATE INDEX calls_external ON calls(external_id);

CREATE TABLE transcript_segments (
    id          BIGSERIAL PRIMARY KEY,
    org_id      TEXT NOT NULL,
    call_id     TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    speaker     TEXT NOT NULL,          -- caller | agent | rep | supervisor
    start_ms    BIGINT NOT NULL,
    end_ms      BIGINT NOT NULL,
    text        TEXT NOT NULL,
    confidence  DOUBLE PRECISION,
    created_at  BIGINT NOT NULL,
    UNIQUE (call_id, seq)
);
CREATE INDEX transcript_segments_org_created ON transcript_segments(org_id, created_at);

-- Full-text index over segment text: a generated tsvector, so a segment is searchable as soon
-- as the transaction that writes it commits.
ALTER TABLE transcript_segments
    ADD COLUMN text_tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED;
CREATE INDEX transcript_segments_tsv ON transcript_segments USING GIN (text_tsv);


CREATE TABLE recordings (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    call_id     TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    path        TEXT NOT NULL,          -- relative to the data directory
    channels    BIGINT NOT NULL,
    sample_rate BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    bytes       BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX recordings_call ON recordings(call_id);
CREATE INDEX recordings_org_created ON recordings(org_id, created_at);

CREATE TABLE analyses (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    call_id     TEXT REFERENCES calls(id) ON DELETE CASCADE,
    status      TEXT NOT NULL,          -- pending | done | failed
    result      TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX analyses_org ON analyses(org_id, id);

CREATE TABLE consent_records (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    call_id     TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,          -- recording | transcript | ai_disclosure
    granted     BIGINT NOT NULL,
    method      TEXT NOT NULL,          -- announcement | dtmf | verbal | setting
    detail      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX consent_call ON consent_records(call_id);
