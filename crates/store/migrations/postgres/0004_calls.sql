-- Indexes for the calls issue (same in both dialects): a rep's call list
-- (`WHERE org_id = ? AND user_id = ? ORDER BY id DESC`) and a call's newest analysis.
CREATE INDEX calls_org_user ON calls(org_id, user_id, id);
CREATE INDEX analyses_call ON analyses(call_id, id);
