// One contract for every DPoP replay store (core's memory store, @jwtguard/redis): an id is answered true
// once and false after that until it expires, ids never collide, instances sharing a store agree on exactly
// one first use under concurrency, and a store that cannot tell throws or rejects, never answers true. Lifetimes
// are real (short) time: a store whose expiry is kept by its backend (Redis) has no clock of ours to advance.
// Each store's own test file calls `describeReplayStore` and keeps only what is particular to its storage.
import type { ReplayStore } from '@jwtguard/core';

export interface ReplayStoreSubject {
  /**
   * A store over `space`, with no extra lifetime added to entries (an id expires at `expiresAt`). Stores
   * opened on the same space share their ids, as the instances of one API do; a new space is empty.
   */
  open(space: string): ReplayStore | Promise<ReplayStore>;
  /** A store that cannot tell whether an id was used: its backend unreachable, or (memory) full. */
  cannotTell(): ReplayStore | Promise<ReplayStore>;
}

let spaces = 0;
const newSpace = (): string => `space-${++spaces}-${Math.random().toString(36).slice(2, 8)}`;
const inSeconds = (ms: number): number => (Date.now() + ms) / 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a call settled with: its answer, or the error it threw or rejected with. */
async function outcome(
  call: () => boolean | Promise<boolean>,
): Promise<{ answer: boolean } | { error: unknown }> {
  try {
    return { answer: await call() };
  } catch (error) {
    return { error };
  }
}

export function describeReplayStore(subject: ReplayStoreSubject): void {
  test('an id is true on first use, false on every use after it', async () => {
    const store = await subject.open(newSpace());
    const expiresAt = inSeconds(60_000);
    expect(await store.markUsed('jkt:first', expiresAt)).toBe(true);
    expect(await store.markUsed('jkt:first', expiresAt)).toBe(false);
    expect(await store.markUsed('jkt:first', expiresAt + 600)).toBe(false);
  });

  test('ids are independent, long ones and near misses included', async () => {
    const store = await subject.open(newSpace());
    const expiresAt = inSeconds(60_000);
    const thumbprint = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
    const long = `${thumbprint}:${'j'.repeat(300)}`;
    const ids = [
      `${thumbprint}:a`,
      `${thumbprint}:A`,
      `${thumbprint}:a `,
      `other-thumbprint:a`,
      long,
      `${long.slice(0, -1)}k`, // differs in the last of ~340 characters
      `${thumbprint}:ünïcödé`,
      `${thumbprint}:{tag}*?[x]`,
    ];
    for (const id of ids) expect(await store.markUsed(id, expiresAt)).toBe(true);
    for (const id of ids) expect(await store.markUsed(id, expiresAt)).toBe(false);
  });

  test('stores on another space do not see the ids of this one', async () => {
    const expiresAt = inSeconds(60_000);
    const one = await subject.open(newSpace());
    const other = await subject.open(newSpace());
    expect(await one.markUsed('jkt:shared', expiresAt)).toBe(true);
    expect(await other.markUsed('jkt:shared', expiresAt)).toBe(true);
  });

  test('an id is remembered until expiresAt, then may be used again (and a replay does not extend it)', async () => {
    const store = await subject.open(newSpace());
    const expiresAt = inSeconds(600);
    expect(await store.markUsed('jkt:short', expiresAt)).toBe(true);
    expect(await store.markUsed('jkt:short', expiresAt)).toBe(false);
    // A replay does not push the expiry back.
    expect(await store.markUsed('jkt:short', expiresAt + 60)).toBe(false);
    await sleep(expiresAt * 1000 - Date.now() - 100);
    expect(await store.markUsed('jkt:short', inSeconds(60_000))).toBe(false);
    // Some slack past expiresAt: Redis reads expiry against a clock it caches between commands.
    await sleep(expiresAt * 1000 - Date.now() + 250);
    expect(await store.markUsed('jkt:short', inSeconds(60_000))).toBe(true);
    expect(await store.markUsed('jkt:short', inSeconds(60_000))).toBe(false);
  });

  test('instances sharing a store, concurrently: exactly one true per id', async () => {
    const space = newSpace();
    const instances = await Promise.all([subject.open(space), subject.open(space), subject.open(space)]);
    const expiresAt = inSeconds(60_000);
    const ids = Array.from({ length: 25 }, (_, i) => `jkt:concurrent-${i}`);
    const answers = await Promise.all(
      ids.map((id) => Promise.all(instances.map(async (store) => store.markUsed(id, expiresAt)))),
    );
    for (const perId of answers) expect(perId.filter((answer) => answer === true)).toHaveLength(1);
    // ...and every instance refuses the ids afterwards.
    for (const store of instances) expect(await store.markUsed('jkt:concurrent-0', expiresAt)).toBe(false);
  });

  test('a store that cannot tell throws or rejects, never answers', async () => {
    const store = await subject.cannotTell();
    const expiresAt = inSeconds(60_000);
    for (const id of ['jkt:unknown', 'jkt:unknown', 'jkt:another']) {
      const settled = await outcome(() => store.markUsed(id, expiresAt));
      expect(settled).toEqual({ error: expect.any(Error) });
    }
  });
}
