// SQL for the browser tests through the psql client (no npm database driver needed).
import { execFileSync } from 'node:child_process';

// Runs `sql` on `conninfo` and returns the rows of the last statement as arrays of strings
// (unaligned, tab-separated, no headers). Throws with psql's message on any error.
export function psql(conninfo, sql) {
  const output = execFileSync('psql', ['-X', '-q', '-At', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-d', conninfo], {
    input: sql,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return output.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
}

// A single value of one JSON column, e.g. psqlJson(url, "SELECT json_agg(o) FROM orders o").
export function psqlJson(conninfo, sql) {
  const rows = psql(conninfo, sql);
  return rows.length ? JSON.parse(rows[0][0]) : null;
}

export function quoteLiteral(text) {
  return `'${String(text).replaceAll("'", "''")}'`;
}

// conninfo with another dbname ("host=… dbname=postgres" → "host=… dbname=NAME").
export function withDatabase(conninfo, name) {
  return /dbname=\S+/.test(conninfo) ? conninfo.replace(/dbname=\S+/, `dbname=${name}`) : `${conninfo} dbname=${name}`;
}
