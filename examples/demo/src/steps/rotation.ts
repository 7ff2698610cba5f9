// Scheduled key rotation while the three APIs are under constant load. The issuer rotates every hour of the
// demo clock; the clock moves 5 minutes at a time through 4 hours, while a client keeps refreshing its
// tokens (each new one signed by whichever key is current) and the load uses tokens signed by the current
// and the previous keys. A rotation is correct only if not one of these requests is refused.
import { refresh, signIn } from '../auth-client.js';
import { HOUR, MINUTE } from '../clock.js';
import type { DemoContext } from '../context.js';
import { send } from '../http.js';
import type { Api } from '../stack.js';

const STEP = 5 * MINUTE;
const SIMULATED = 4 * HOUR;
// A token leaves the pool while it still has this long to live: a request may be in flight while the
// clock moves one step (never two, see below), and an expired token being refused is not a rotation failure.
const MIN_REMAINING = STEP + MINUTE;

interface PooledToken {
  token: string;
  kid: string;
  expiresAt: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function kidOf(token: string): string {
  const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
    kid?: unknown;
  };
  return String(header.kid);
}

export async function rotationUnderLoad(context: DemoContext): Promise<void> {
  const { transcript, stack, clock } = context;
  transcript.section('Scheduled key rotation under constant load');
  transcript.note('rotation every 1h; keys published at least 10m (the JWKS cache lifetime) before signing');
  transcript.note('and kept 15m (the token lifetime) after; 4h of schedule pass in 5-minute steps');

  const rotationsBefore = context.rotations;
  let pair = await signIn(stack.auth, 'alice');
  const pooled = (token: string): PooledToken => ({
    token,
    kid: kidOf(token),
    expiresAt: clock.now() + 15 * MINUTE,
  });
  const pool: PooledToken[] = [pooled(pair.accessToken)];
  const kids = new Set(pool.map((entry) => entry.kid));
  // Requests whose token was signed by an earlier key than the newest token's: the overlap at work.
  let earlierKey = 0;
  let earlierKeyRefused = 0;
  const refused: string[] = [];
  let running = true;
  // Requests completed per API, for the barrier below that keeps the load and the clock in step however
  // slow the machine.
  const completed = stack.apis.map(() => 0);

  const load = async (api: Api, index: number) => {
    for (let turn = 0; running; turn++) {
      const { token, kid } = pool[turn % pool.length] as PooledToken;
      const earlier = kid !== (pool[pool.length - 1] as PooledToken).kid;
      if (earlier) earlierKey++;
      try {
        const reply = await send(`${api.url}/items`, { token });
        if (reply.status !== 200) {
          refused.push(`${api.name} ${reply.status} ${reply.challenge ?? ''}`);
          if (earlier) earlierKeyRefused++;
        }
      } catch (error) {
        refused.push(`${api.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
      completed[index] = (completed[index] as number) + 1;
    }
  };
  const workers = stack.apis.map(load);
  // Two completions per API since `marks` (taken after the refresh): the second started after it, so every
  // token in the pool has been offered to every API, and no request still in flight when the clock moves
  // started before the previous move.
  const everyApiCompletedSince = async (marks: number[]) => {
    while (completed.some((count, index) => count < (marks[index] as number) + 2)) await sleep(2);
  };

  for (let elapsed = 0; elapsed < SIMULATED; elapsed += STEP) {
    clock.advance(STEP);
    // Pruned in the same synchronous turn as the advance, so no request starts with a token that could
    // expire before the next step.
    while (pool.length > 1 && (pool[0] as PooledToken).expiresAt - clock.now() < MIN_REMAINING) pool.shift();
    await sleep(25); // the issuer's rotation timer checks the clock every 20 ms
    // The client refreshes: the new token is signed by the key current now, the previous one (still in the
    // pool) perhaps by the key this step retired. The load uses both before the clock moves on.
    const next = await refresh(stack.auth, pair.refreshToken);
    if (!next.pair) {
      refused.push(`refresh ${next.status}`);
      break;
    }
    pair = next.pair;
    pool.push(pooled(pair.accessToken));
    kids.add(kidOf(pair.accessToken));
    await everyApiCompletedSince([...completed]);
  }
  running = false;
  await Promise.all(workers);
  const sent = completed.reduce((sum, count) => sum + count, 0);

  const rotations = context.rotations - rotationsBefore;
  transcript.expect(
    `${sent} requests to the three APIs during ${rotations} rotations: refused`,
    refused.length,
    0,
    refused.slice(0, 3).join('; '),
  );
  transcript.expect(
    'scheduled rotations in 4 hours',
    rotations >= 3 ? 'at least 3' : rotations,
    'at least 3',
  );
  transcript.expect(
    'requests carrying a token signed by a key a rotation had just retired',
    earlierKey === 0 ? 'none sent' : earlierKeyRefused === 0 ? 'accepted' : `${earlierKeyRefused} refused`,
    'accepted',
    `${earlierKey} requests`,
  );
  transcript.expect(
    'signing keys seen in the refreshed tokens',
    kids.size >= 4 ? 'at least 4' : kids.size,
    'at least 4',
    `${kids.size} keys`,
  );
}
