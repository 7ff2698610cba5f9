// The demo users and how a login is checked against them. Passwords are hashed when the directory is
// built; only the hashes are kept.
import { hashPassword, verifyPassword } from './password.js';

export interface DemoUserInput {
  username: string;
  password: string;
  /** Scopes granted to the user's access tokens. */
  scope: string[];
  /** Extra claims of the user's access tokens, e.g. `{ roles: ['admin'] }`. */
  claims?: Record<string, unknown>;
}

export interface User {
  username: string;
  scope: string[];
  claims: Record<string, unknown>;
}

export interface UserDirectory {
  /** The user when the password matches; undefined for an unknown user or a wrong password. */
  authenticate(username: string, password: string): Promise<User | undefined>;
  readonly usernames: readonly string[];
}

/**
 * The three users of the samples. The sample APIs grant GET /items for `read:items`, POST /items for
 * `write:items`, and GET /admin to a `roles` claim including "admin".
 */
export const DEMO_USERS: readonly DemoUserInput[] = [
  { username: 'alice', password: 'alice-password', scope: ['read:items', 'write:items'] },
  { username: 'bob', password: 'bob-password', scope: ['read:items'] },
  {
    username: 'carol',
    password: 'carol-password',
    scope: ['read:items'],
    claims: { roles: ['admin'] },
  },
];

export async function createUserDirectory(
  inputs: readonly DemoUserInput[] = DEMO_USERS,
): Promise<UserDirectory> {
  const entries = await Promise.all(
    inputs.map(async (input) => {
      const user: User = { username: input.username, scope: [...input.scope], claims: { ...input.claims } };
      return [input.username, { user, hash: await hashPassword(input.password) }] as const;
    }),
  );
  const users = new Map(entries);
  if (users.size !== inputs.length) throw new Error('every demo user needs a distinct username');
  // An unknown username still costs one scrypt run, so response time does not reveal which names exist.
  const decoy = await hashPassword('decoy password for unknown usernames');

  return {
    async authenticate(username, password) {
      const entry = users.get(username);
      const matches = await verifyPassword(password, entry?.hash ?? decoy);
      return matches && entry ? entry.user : undefined;
    },
    usernames: [...users.keys()],
  };
}
