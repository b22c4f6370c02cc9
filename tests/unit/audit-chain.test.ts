// The audit chain's arithmetic and the export's cell escaping, checked against independent computations.
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { csvCell, csvLine } from '../../src/main/core/audit/export-format';
import {
  AUDIT_COLUMNS,
  type AuditRow,
  GENESIS_MAC,
  checkpointSignatureValid,
  macOf,
  signCheckpoint,
} from '../../src/main/core/audit/chain';

const key = randomBytes(32);
const row: Omit<AuditRow, 'mac'> = {
  seq: 1,
  occurred_at: 1_764_000_000_000,
  action: 'VIEW',
  outcome: 'success',
  channel: 'patients.get',
  actor_user_id: 7,
  actor_email: 'nurse@clinic.example',
  actor_role: 'nurse',
  session_hash: 'ab'.repeat(16),
  workstation: 'front-desk-1',
  os_user: 'reception',
  ip_address: null,
  app_version: '0.1.0',
  resource_type: 'patient',
  resource_id: '42',
  patient_id: 42,
  data_category: 'demographics',
  reason: null,
  error_code: null,
  details: '{"emergencyAccess":true}',
};

describe('the audit chain', () => {
  it('is HMAC-SHA-256 over the previous MAC and every column in order', () => {
    const expected = createHmac('sha256', key)
      .update(`${GENESIS_MAC}\n${JSON.stringify(AUDIT_COLUMNS.map((c) => row[c]))}`)
      .digest('hex');
    expect(macOf(key, GENESIS_MAC, row)).toBe(expected);
  });

  it('changes with any column, the previous MAC and the key', () => {
    const base = macOf(key, GENESIS_MAC, row);
    for (const column of AUDIT_COLUMNS) {
      const value = row[column];
      const changed = { ...row, [column]: typeof value === 'number' ? value + 1 : `${value ?? ''}x` };
      expect(macOf(key, GENESIS_MAC, changed), column).not.toBe(base);
    }
    expect(macOf(key, 'f'.repeat(64), row)).not.toBe(base);
    expect(macOf(randomBytes(32), GENESIS_MAC, row)).not.toBe(base);
    // null and empty text are different values
    expect(macOf(key, GENESIS_MAC, { ...row, reason: '' })).not.toBe(base);
  });

  it('signs checkpoints so that any edited field fails', () => {
    const point = signCheckpoint(key, { seq: 10, mac: 'a'.repeat(64), createdAt: 5 });
    expect(checkpointSignatureValid(key, point)).toBe(true);
    expect(checkpointSignatureValid(key, { ...point, seq: 11 })).toBe(false);
    expect(checkpointSignatureValid(key, { ...point, mac: 'b'.repeat(64) })).toBe(false);
    expect(checkpointSignatureValid(randomBytes(32), point)).toBe(false);
  });
});

describe('CSV export cells', () => {
  it('keep a spreadsheet from running text as a formula', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r'])
      expect(csvCell(`${start}1+1`).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(csvCell('plain text')).toBe('plain text');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
  });

  it('write one line per event with its time in UTC and its MAC', () => {
    const line = csvLine({ ...row, mac: 'c'.repeat(64) });
    expect(line).toMatch(/^1,2025-11-24T16:00:00\.000Z,VIEW,success,patients\.get,7,/);
    expect(line.endsWith(`,${'c'.repeat(64)}\r\n`)).toBe(true);
  });
});
