// A fresh orders database for one browser test file, as tests/harness/orders_database.cc makes
// them: created on the with_cluster server (WALCAST_TEST_PGURL), database/schema.sql applied, the
// sample rows removed.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { psql, quoteLiteral, withDatabase } from './psql.js';
import { sourceDir } from './paths.js';

export function createOrdersDatabase(name) {
  const cluster = process.env.WALCAST_TEST_PGURL;
  if (!cluster) throw new Error('WALCAST_TEST_PGURL is not set: run under tests/harness/with_cluster');
  // A slot of an earlier run would hold the database open.
  psql(cluster, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                 WHERE slot_name = ${quoteLiteral(name)} AND NOT active;`);
  psql(cluster, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE);`);
  psql(cluster, `CREATE DATABASE "${name}";`);
  const conninfo = withDatabase(cluster, name);
  psql(conninfo, readFileSync(path.join(sourceDir, 'database/schema.sql'), 'utf8'));
  psql(conninfo, 'DELETE FROM orders;');
  return { name, conninfo };
}
