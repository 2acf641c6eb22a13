-- walcast database schema (PostgreSQL 15): the `orders` table and what the daemon relies on.
-- The contract is docs/contract.md §1; tests/integration/schema_test.cc proves it.
--
-- What it does:
--   * creates `orders` with indexes on status and updated_at; a few sample orders go in only when
--     this run creates the table (an emptied table stays empty);
--   * upgrades an `orders` table made by the original Node app in place, keeping every row:
--     TIMESTAMP updated_at becomes timestamptz (read as UTC, see below), a NULL or unknown status
--     becomes 'pending', created_at is added and backfilled from updated_at, and the original
--     triggers (notify_order_change, update_updated_at_column) are replaced by ours;
--   * trigger orders_touch_updated_at: BEFORE UPDATE, updated_at = now() only when another column
--     actually changed;
--   * trigger orders_notify_change: AFTER INSERT/UPDATE/DELETE, pg_notify('orders_change', …)
--     with the original app's payload keys, so legacy LISTEN consumers keep working; the setting
--     walcast.notify = off silences it (see the function below);
--   * REPLICA IDENTITY FULL (UPDATE/DELETE carry the old row) and the publication walcast_orders
--     (the daemon creates a differently named one itself when --publication says so).
--
-- Idempotent: a second run changes nothing (no new rows, no table rewrite, no ALTER TABLE).
-- Everything runs in one transaction, so a failure leaves the database as it was, and concurrent
-- runs (two daemons starting at once) are serialized by an advisory lock. There are no psql
-- meta-commands: the daemon sends the whole file as one simple query.
--
-- Run it with either of:
--   psql -v ON_ERROR_STOP=1 -d realtime_orders -f database/schema.sql
--   walcastd --apply-schema
--
-- Upgrading from the original app: its updated_at values carry no zone. They are read as UTC, or
-- in the zone named by the setting walcast.legacy_timezone, e.g.
--   PGOPTIONS='-c walcast.legacy_timezone=Europe/Berlin' psql -v ON_ERROR_STOP=1 -f database/schema.sql

BEGIN;

-- Notices such as "relation already exists, skipping" are noise on every re-run; warnings stay.
SET LOCAL client_min_messages = warning;
-- Fail with a clear error rather than hang a daemon's start behind a long lock holder.
SET LOCAL lock_timeout = '60s';

-- Two runs at once would both see no table, and one would fail on a catalog unique index. The
-- key is the bytes of 'walcast' (33602640380261236); keep it stable, tests rely on it.
DO $$ BEGIN PERFORM pg_advisory_xact_lock(x'77616c63617374'::bigint); END $$;

-- Sample rows belong only in a table created by this run (read at the end of the file).
DO $$
BEGIN
  PERFORM set_config('walcast.creating_orders', (to_regclass('orders') IS NULL)::text, true);
END $$;

CREATE TABLE IF NOT EXISTS orders (
  id            serial PRIMARY KEY,
  customer_name varchar(255) NOT NULL,
  product_name  varchar(255) NOT NULL,
  status        varchar(50)  NOT NULL DEFAULT 'pending'
                CONSTRAINT orders_status_check
                CHECK (status IN ('pending', 'shipped', 'delivered')),
  created_at    timestamptz  NOT NULL DEFAULT now(),
  updated_at    timestamptz  NOT NULL DEFAULT now()
);

-- Upgrade an older table in place. Every step checks the catalog first, so on a current table
-- this block changes nothing.
DO $upgrade$
DECLARE
  orders_table constant regclass := 'orders'::regclass;
  ours constant name[] := ARRAY['orders_touch_updated_at', 'orders_notify_change'];
  -- pg_get_constraintdef() of the CHECK above on PostgreSQL 15 (another version may print it
  -- differently; then the constraint is re-added on each run: correct, only slower).
  status_check constant text := 'CHECK (((status)::text = ANY ((ARRAY['
      '''pending''::character varying, ''shipped''::character varying, '
      '''delivered''::character varying])::text[])))';
  -- The original app wrote CURRENT_TIMESTAMP into TIMESTAMP columns, i.e. the local time of the
  -- server's TimeZone, which is UTC on the postgres container images and most server hosts. A
  -- fixed zone keeps the result independent of the migrating session's TimeZone (the daemon and
  -- psql may differ); a server that ran in another zone names it in walcast.legacy_timezone.
  legacy_zone constant text :=
      coalesce(nullif(current_setting('walcast.legacy_timezone', true), ''), 'UTC');
  col record;
  legacy record;
  column_name text;
  unknown_statuses text;
BEGIN
  -- The original app's triggers (and any other trigger on orders that notifies orders_change or
  -- runs one of our functions) would duplicate ours: drop them, and their functions once unused.
  -- update_updated_at_column() may serve other tables; then it stays.
  FOR legacy IN
    SELECT t.tgname, t.tgfoid, p.proname
      FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
     WHERE t.tgrelid = orders_table AND NOT t.tgisinternal AND t.tgname <> ALL (ours)
       AND (p.proname IN ('notify_order_change', 'update_updated_at_column')
            OR p.proname = ANY (ours) OR p.prosrc LIKE '%orders_change%')
  LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', legacy.tgname, orders_table);
    IF legacy.proname <> ALL (ours)
       AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgfoid = legacy.tgfoid) THEN
      EXECUTE format('DROP FUNCTION %s', legacy.tgfoid::regprocedure);
    END IF;
  END LOOP;

  -- Timestamps: updated_at first, since created_at is backfilled from it. The data fixes run
  -- without our triggers (dropped here, re-created below), so they neither bump updated_at nor
  -- notify; on a current table no fix is needed and nothing is dropped.
  FOREACH column_name IN ARRAY ARRAY['updated_at', 'created_at'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_attribute
                    WHERE attrelid = orders_table AND attname = column_name AND NOT attisdropped) THEN
      EXECUTE format('ALTER TABLE orders ADD COLUMN %I timestamptz', column_name);
    END IF;
    SELECT a.atttypid, a.attnotnull, pg_get_expr(d.adbin, d.adrelid) AS default_expr INTO col
      FROM pg_attribute a
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = orders_table AND a.attname = column_name AND NOT a.attisdropped;
    IF col.atttypid = 'timestamp'::regtype THEN
      EXECUTE format('ALTER TABLE orders ALTER COLUMN %I TYPE timestamptz USING %I AT TIME ZONE %L',
                     column_name, column_name, legacy_zone);
    END IF;
    IF NOT col.attnotnull THEN
      DROP TRIGGER IF EXISTS orders_touch_updated_at ON orders;
      DROP TRIGGER IF EXISTS orders_notify_change ON orders;
      -- The original had no creation time: its last change is the best lower bound we know.
      EXECUTE format('UPDATE orders SET %I = %s WHERE %I IS NULL', column_name,
                     CASE column_name WHEN 'created_at' THEN 'updated_at' ELSE 'now()' END,
                     column_name);
      EXECUTE format('ALTER TABLE orders ALTER COLUMN %I SET NOT NULL', column_name);
    END IF;
    IF col.default_expr IS DISTINCT FROM 'now()' THEN
      EXECUTE format('ALTER TABLE orders ALTER COLUMN %I SET DEFAULT now()', column_name);
    END IF;
  END LOOP;

  -- Status: NULL (the original allowed it) or unknown values become 'pending', after trimming
  -- and lower-casing ('Shipped ' is 'shipped'), before NOT NULL and the check go on.
  SELECT a.attnotnull, pg_get_expr(d.adbin, d.adrelid) AS default_expr INTO col
    FROM pg_attribute a
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attrelid = orders_table AND a.attname = 'status' AND NOT a.attisdropped;
  IF NOT col.attnotnull OR NOT EXISTS (
      SELECT 1 FROM pg_constraint
       WHERE conrelid = orders_table AND conname = 'orders_status_check'
         AND pg_get_constraintdef(oid) = status_check) THEN
    DROP TRIGGER IF EXISTS orders_touch_updated_at ON orders;
    DROP TRIGGER IF EXISTS orders_notify_change ON orders;
    SELECT string_agg(DISTINCT quote_literal(status), ', ') INTO unknown_statuses
      FROM orders
     WHERE lower(btrim(status)) NOT IN ('pending', 'shipped', 'delivered');
    IF unknown_statuses IS NOT NULL THEN
      RAISE WARNING 'orders: unknown status values % are set to ''pending''', unknown_statuses;
    END IF;
    UPDATE orders
       SET status = CASE WHEN lower(btrim(status)) IN ('pending', 'shipped', 'delivered')
                         THEN lower(btrim(status)) ELSE 'pending' END
     WHERE status IS NULL OR status NOT IN ('pending', 'shipped', 'delivered');
    ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_status_check;
    ALTER TABLE orders
      ALTER COLUMN status SET NOT NULL,
      ADD CONSTRAINT orders_status_check CHECK (status IN ('pending', 'shipped', 'delivered'));
  END IF;
  IF col.default_expr IS DISTINCT FROM '''pending''::character varying' THEN
    ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'pending';
  END IF;

  -- Names were NOT NULL in the original too; a NULL here fails the run with PostgreSQL's message.
  FOREACH column_name IN ARRAY ARRAY['customer_name', 'product_name'] LOOP
    IF NOT (SELECT attnotnull FROM pg_attribute
             WHERE attrelid = orders_table AND attname = column_name AND NOT attisdropped) THEN
      EXECUTE format('ALTER TABLE orders ALTER COLUMN %I SET NOT NULL', column_name);
    END IF;
  END LOOP;

  -- UPDATE and DELETE then carry the whole old row through logical replication.
  IF (SELECT relreplident FROM pg_class WHERE oid = orders_table) <> 'f' THEN
    ALTER TABLE orders REPLICA IDENTITY FULL;
  END IF;
END $upgrade$;

CREATE INDEX IF NOT EXISTS idx_orders_status ON orders (status);
CREATE INDEX IF NOT EXISTS idx_orders_updated_at ON orders (updated_at);

-- updated_at is the server's record of the last real change: on UPDATE it becomes now() when any
-- other column changed and otherwise keeps its old value, even if the statement set it. Honouring
-- a client's value would let a stale read-modify-write move it backwards and would break the
-- "newest first" order of the API. An INSERT may still set it (imports); to repair a value,
-- ALTER TABLE orders DISABLE TRIGGER orders_touch_updated_at in that transaction. Rows compare as
-- jsonb, which works for any column type an operator may add (json has no equality operator).
CREATE OR REPLACE FUNCTION orders_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := OLD.updated_at;
  IF to_jsonb(NEW) IS DISTINCT FROM to_jsonb(OLD) THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END $$;

-- The original app's payload: {operation, table, data (new row; old row for DELETE), timestamp
-- (epoch seconds)}. pg_notify() raises an error for a payload of 8000 bytes or more, which would
-- abort the user's write; orders' own columns cannot get that large (varchar(255)), but a column
-- an operator adds can. Such a row is announced with the same keys, data reduced to {"id": …}
-- and "truncated": true, so a listener knows to read the row itself.
--
-- The setting walcast.notify = off turns the notification off. A committing transaction that has
-- notified takes a database-wide lock, so notifying writers commit one at a time: measured here,
-- REST inserts go from ~8k/s to ~10k/s without it. When walcast reads the WAL and nothing else
-- listens on orders_change, an operator turns it off for the database:
--   ALTER DATABASE realtime_orders SET walcast.notify = off;
-- (new sessions see it). Unset or any other value keeps the original app's behaviour.
CREATE OR REPLACE FUNCTION orders_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  row_json json;
  payload text;
BEGIN
  IF current_setting('walcast.notify', true) = 'off' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' THEN
    row_json := row_to_json(OLD);
  ELSE
    row_json := row_to_json(NEW);
  END IF;
  payload := json_build_object('operation', TG_OP, 'table', TG_TABLE_NAME, 'data', row_json,
                               'timestamp', extract(epoch FROM now()))::text;
  IF octet_length(payload) >= 8000 THEN
    payload := json_build_object('operation', TG_OP, 'table', TG_TABLE_NAME,
                                 'data', json_build_object('id', row_json -> 'id'),
                                 'timestamp', extract(epoch FROM now()),
                                 'truncated', true)::text;
  END IF;
  PERFORM pg_notify('orders_change', payload);
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER orders_touch_updated_at
  BEFORE UPDATE ON orders
  FOR EACH ROW EXECUTE FUNCTION orders_touch_updated_at();

CREATE OR REPLACE TRIGGER orders_notify_change
  AFTER INSERT OR UPDATE OR DELETE ON orders
  FOR EACH ROW EXECUTE FUNCTION orders_notify_change();

-- The default publication. CREATE PUBLICATION has no IF NOT EXISTS; an existing one gets orders
-- added and all four actions published (the stream handles TRUNCATE too).
DO $$
DECLARE
  pub record;
BEGIN
  SELECT oid, puballtables, pubinsert AND pubupdate AND pubdelete AND pubtruncate AS publishes_all
    INTO pub FROM pg_publication WHERE pubname = 'walcast_orders';
  IF NOT FOUND THEN
    CREATE PUBLICATION walcast_orders FOR TABLE orders;
    RETURN;
  END IF;
  IF NOT pub.puballtables AND NOT EXISTS (
      SELECT 1 FROM pg_publication_tables t
       WHERE t.pubname = 'walcast_orders'
         AND format('%I.%I', t.schemaname, t.tablename)::regclass = 'orders'::regclass) THEN
    ALTER PUBLICATION walcast_orders ADD TABLE orders;
  END IF;
  IF NOT pub.publishes_all THEN
    ALTER PUBLICATION walcast_orders SET (publish = 'insert, update, delete, truncate');
  END IF;
END $$;

-- Sample orders, like the original app's, only into a table this run created.
INSERT INTO orders (customer_name, product_name, status, created_at, updated_at)
SELECT customer_name, product_name, status, now() - created_ago, now() - updated_ago
  FROM (VALUES
          (1, 'John Doe', 'Laptop', 'delivered', interval '3 days', interval '1 day'),
          (2, 'Jane Smith', 'Wireless Mouse', 'shipped', interval '2 days', interval '5 hours'),
          (3, 'Bob Johnson', 'Mechanical Keyboard', 'pending', interval '6 hours', interval '6 hours'),
          (4, 'Alice Brown', '27" Monitor', 'shipped', interval '1 day', interval '2 hours'),
          (5, 'Charlie Wilson', 'USB-C Hub', 'pending', interval '30 minutes', interval '30 minutes')
       ) AS sample (n, customer_name, product_name, status, created_ago, updated_ago)
 WHERE current_setting('walcast.creating_orders') = 'true'
 ORDER BY n;

COMMIT;
