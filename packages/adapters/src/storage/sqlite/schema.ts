/**
 * Tables hold each record as a JSON document (`doc`, see `codec.ts`) — the platform's field
 * names, and room for fields added later — with the fields queries filter on exposed as generated
 * columns, so that every query of the adapter has an index.
 */
export const SCHEMA_VERSION = 1;

const date = (path: string) => `json_extract(doc, '${path}."$date"')`;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS targets (
  id TEXT PRIMARY KEY NOT NULL,
  doc TEXT NOT NULL,
  referrerUserId TEXT GENERATED ALWAYS AS (json_extract(doc, '$.referrerUserId')) VIRTUAL,
  referralUserId TEXT GENERATED ALWAYS AS (json_extract(doc, '$.referralUserId')) VIRTUAL,
  status TEXT GENERATED ALWAYS AS (json_extract(doc, '$.status')) VIRTUAL,
  currentDay INTEGER GENERATED ALWAYS AS (json_extract(doc, '$.currentDay')) VIRTUAL,
  revision INTEGER GENERATED ALWAYS AS (json_extract(doc, '$.revision')) VIRTUAL,
  nextMessageDue INTEGER GENERATED ALWAYS AS (${date("$.nextMessageDue")}) VIRTUAL,
  claimOwner TEXT GENERATED ALWAYS AS (json_extract(doc, '$.claim.owner')) VIRTUAL,
  claimStage TEXT GENERATED ALWAYS AS (json_extract(doc, '$.claim.stage')) VIRTUAL,
  claimExpiresAt INTEGER GENERATED ALWAYS AS (${date("$.claim.expiresAt")}) VIRTUAL,
  phone TEXT GENERATED ALWAYS AS (json_extract(doc, '$.contact.phone')) VIRTUAL
);
-- "Once ever" per (referrer, referral): the enrollment's atomic step.
CREATE UNIQUE INDEX IF NOT EXISTS targets_enrollment ON targets (referrerUserId, referralUserId);
-- Due referrers (dispatch's first query, the only one when nothing is due).
CREATE INDEX IF NOT EXISTS targets_due ON targets (status, nextMessageDue);
-- One referrer's due targets, deferrals, exits, active listing.
CREATE INDEX IF NOT EXISTS targets_referrer_due ON targets (referrerUserId, status, nextMessageDue);
CREATE INDEX IF NOT EXISTS targets_referral ON targets (referralUserId, status);
CREATE INDEX IF NOT EXISTS targets_referrer_phone ON targets (referrerUserId, phone, status);
CREATE INDEX IF NOT EXISTS targets_interrupted ON targets (claimExpiresAt) WHERE claimStage = 'sending';
-- Listing pages ordered by id, per referrer or per status.
CREATE INDEX IF NOT EXISTS targets_referrer_id ON targets (referrerUserId, id);
CREATE INDEX IF NOT EXISTS targets_status_id ON targets (status, id);

-- Transport message id → target, for receipts; kept by triggers, checked against the target on read.
CREATE TABLE IF NOT EXISTS target_message_ids (
  messageId TEXT PRIMARY KEY NOT NULL,
  targetId TEXT NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS targets_message_ids_insert AFTER INSERT ON targets
WHEN json_array_length(NEW.doc, '$.messagesDelivered') > 0
BEGIN
  INSERT OR IGNORE INTO target_message_ids (messageId, targetId)
    SELECT json_extract(d.value, '$.messageId'), NEW.id FROM json_each(NEW.doc, '$.messagesDelivered') AS d
      WHERE json_extract(d.value, '$.messageId') IS NOT NULL
    UNION ALL
    SELECT m.value, NEW.id FROM json_each(NEW.doc, '$.messagesDelivered') AS d, json_each(d.value, '$.mediaMessageIds') AS m;
END;
CREATE TRIGGER IF NOT EXISTS targets_message_ids_update AFTER UPDATE OF doc ON targets
WHEN json_extract(OLD.doc, '$.messagesDelivered') IS NOT json_extract(NEW.doc, '$.messagesDelivered')
BEGIN
  INSERT OR IGNORE INTO target_message_ids (messageId, targetId)
    SELECT json_extract(d.value, '$.messageId'), NEW.id FROM json_each(NEW.doc, '$.messagesDelivered') AS d
      WHERE json_extract(d.value, '$.messageId') IS NOT NULL
    UNION ALL
    SELECT m.value, NEW.id FROM json_each(NEW.doc, '$.messagesDelivered') AS d, json_each(d.value, '$.mediaMessageIds') AS m;
END;

CREATE TABLE IF NOT EXISTS configs (
  referrerUserId TEXT PRIMARY KEY NOT NULL,
  doc TEXT NOT NULL,
  enabled INTEGER GENERATED ALWAYS AS (json_extract(doc, '$.enabled')) VIRTUAL,
  enrollmentPaused INTEGER GENERATED ALWAYS AS (json_extract(doc, '$.enrollmentPaused')) VIRTUAL
);
CREATE INDEX IF NOT EXISTS configs_enrollable ON configs (enabled, enrollmentPaused);

CREATE TABLE IF NOT EXISTS messages (
  dayNumber INTEGER PRIMARY KEY NOT NULL,
  doc TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS counters (
  referrerUserId TEXT NOT NULL,
  day TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (referrerUserId, day)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS counters_day ON counters (day);

CREATE TABLE IF NOT EXISTS do_not_contact (
  phone TEXT PRIMARY KEY NOT NULL,
  doc TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS exited_users (
  userId TEXT PRIMARY KEY NOT NULL,
  doc TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS leases (
  name TEXT PRIMARY KEY NOT NULL,
  owner TEXT NOT NULL,
  expiresAt INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS sessions (
  sessionId TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (sessionId, key)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS directory_referrers (
  userId TEXT PRIMARY KEY NOT NULL,
  doc TEXT NOT NULL
) WITHOUT ROWID;

-- seq: a store-wide change number, raised on every upsert: the incremental listing's watermark.
CREATE TABLE IF NOT EXISTS directory_referrals (
  referrerId TEXT NOT NULL,
  userId TEXT NOT NULL,
  doc TEXT NOT NULL,
  createdAt INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (referrerId, userId)
);
CREATE INDEX IF NOT EXISTS directory_referrals_order ON directory_referrals (referrerId, createdAt, userId);
CREATE INDEX IF NOT EXISTS directory_referrals_changes ON directory_referrals (referrerId, seq);
CREATE INDEX IF NOT EXISTS directory_referrals_seq ON directory_referrals (seq);

-- The last seq handed out. Not MAX(seq)+1: erasing the newest rows would move that back below
-- the referrers' cursors, and the next referrals would stay unseen (security review 2, L6).
CREATE TABLE IF NOT EXISTS directory_sequence (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
);

-- The one service-wide settings record (holdout share): added in place, no version bump needed.
CREATE TABLE IF NOT EXISTS settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  doc TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS enrollment_cursors (
  referrerUserId TEXT PRIMARY KEY NOT NULL,
  doc TEXT NOT NULL
) WITHOUT ROWID;
`;
