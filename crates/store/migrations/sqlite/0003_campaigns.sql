-- Campaigns, leads and the DNC list: indexes for the queries they run (same in both dialects).

-- Listing a number on the DNC list marks the organization's pending leads with that number.
CREATE INDEX leads_org_phone ON leads(org_id, phone);
-- Listing a campaign's leads by status, in id order (and the dialer's pending scan).
CREATE INDEX leads_campaign_status ON leads(campaign_id, status, id);
-- Listing campaigns by status.
CREATE INDEX campaigns_org_status ON campaigns(org_id, status, id);
