// The replay-store contract (test/contracts/replay-store.ts) run against core's memory store, the default
// when `dpop` is on. One process has one memory store to share: instances "sharing" it are the same object.
import { createMemoryReplayStore, type MemoryReplayStore } from '../../src/index.js';
import { describeReplayStore } from '../../../../test/contracts/replay-store.js';

const bySpace = new Map<string, MemoryReplayStore>();

describeReplayStore({
  open(space) {
    let store = bySpace.get(space);
    if (store === undefined) bySpace.set(space, (store = createMemoryReplayStore()));
    return store;
  },
  cannotTell() {
    // Full of live ids: it refuses rather than forgets one (a forgotten id could be replayed).
    const store = createMemoryReplayStore({ maxEntries: 1 });
    store.markUsed('jkt:filler', Date.now() / 1000 + 60);
    return store;
  },
});
