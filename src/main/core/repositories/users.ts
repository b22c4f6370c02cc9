// The users table. Mutations take a transaction so they commit with their audit event.
import type { Knex } from 'knex';
import type { Role } from '../../../shared/roles';
import type { SessionUser } from '../services/handler';
import { guardKey } from './sign-in-guards';

export interface UserRow {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  role: Role;
  password_hash: string;
  email_verified_at: number | null;
  is_active: boolean | number;
  created_at: number;
  updated_at: number;
  must_change_password: boolean | number;
  guard_key: string | null;
}

export function toSessionUser(row: UserRow): SessionUser {
  return { id: row.id, email: row.email, firstName: row.first_name, lastName: row.last_name, role: row.role };
}

export function isActive(row: UserRow): boolean {
  return row.is_active === true || row.is_active === 1;
}

export async function findUserByEmail(db: Knex | Knex.Transaction, email: string): Promise<UserRow | undefined> {
  return (await db('users').where({ email }).first()) as UserRow | undefined;
}

export async function findUserById(db: Knex | Knex.Transaction, id: number): Promise<UserRow | undefined> {
  return (await db('users').where({ id }).first()) as UserRow | undefined;
}

export interface NewUser {
  email: string;
  firstName: string;
  lastName: string;
  role: Role;
  passwordHash: string;
  emailVerifiedAt: number | null;
}

/**
 * Inserts the user; resolves with null when the email is taken (also by a concurrent insert). The phone,
 * PHI, lives in the profile; the row keeps the email's sign-in guard key to show and filter locked accounts.
 */
export async function insertUser(
  trx: Knex.Transaction,
  signInGuardKey: Buffer,
  user: NewUser,
  nowMs: number,
): Promise<number | null> {
  const rows = (await trx('users')
    .insert({
      email: user.email,
      first_name: user.firstName,
      last_name: user.lastName,
      role: user.role,
      password_hash: user.passwordHash,
      email_verified_at: user.emailVerifiedAt,
      guard_key: guardKey(signInGuardKey, user.email),
      is_active: true,
      created_at: nowMs,
      updated_at: nowMs,
    })
    .onConflict('email')
    .ignore()
    .returning('id')) as Array<{ id: number } | number>;
  const first = rows[0];
  if (first === undefined) return null;
  return typeof first === 'number' ? first : first.id;
}

export async function markEmailVerified(trx: Knex.Transaction, userId: number, nowMs: number): Promise<void> {
  await trx('users')
    .where({ id: userId })
    .whereNull('email_verified_at')
    .update({ email_verified_at: nowMs, updated_at: nowMs });
}

export async function setPassword(
  trx: Knex.Transaction,
  userId: number,
  passwordHash: string,
  nowMs: number,
): Promise<void> {
  await trx('users')
    .where({ id: userId })
    // A new password also satisfies an administrator's demand for one.
    .update({
      password_hash: passwordHash,
      password_changed_at: nowMs,
      must_change_password: false,
      updated_at: nowMs,
    });
}

/** `text%` for LIKE, with LIKE's own wildcards in the text taken literally. */
export function likePrefix(text: string): string {
  return `${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Matches rows where any of the columns starts with the text, ignoring case. Written as lower(column) LIKE,
 * which PostgreSQL answers from the text_pattern_ops expression indexes of migration 006.
 */
export function startsWithAny(q: Knex.QueryBuilder, columns: string[], text: string): Knex.QueryBuilder {
  const pattern = likePrefix(text);
  return q.where((inner) => {
    for (const column of columns) inner.orWhereRaw(`lower(${column}) LIKE ? ESCAPE '\\'`, [pattern]);
  });
}
