// The performance targets, checked against the figures of one run: each line says met or missed, by how much.
const MARK = { true: 'met', false: '**missed**' };

const row = (table, name) => table.rows.find((r) => r.name === name);
const ratio = (a, b) => a / b;
const fmt = (value) => value.toFixed(2);

function verifyTargets(verify) {
  const lines = [];
  for (const [alg, table] of Object.entries(verify)) {
    const raw = table.rows[0];
    const off = row(table, 'jwtguard, node:crypto, cache off');
    const fast = row(table, 'fast-jwt, cache off');
    for (const mode of ['sequential', 'concurrent']) {
      const toRaw = ratio(off[mode], raw[mode]);
      const toFast = ratio(off[mode], fast[mode]);
      lines.push(
        `- verify ${alg} ${mode === 'concurrent' ? '16 in flight' : 'sequential'}, cache off: ${fmt(toRaw)} of raw (target ≥ 0.90: ${MARK[toRaw >= 0.9]}), ${fmt(toFast)}× fast-jwt (target > 1: ${MARK[toFast > 1]})`,
      );
    }
  }
  const rs = verify.RS256;
  if (rs) {
    for (const [ours, theirs] of [
      ['jwtguard, node:crypto, cache on, 1 token', 'fast-jwt, cache on, 1 token'],
      ['jwtguard, node:crypto, cache on, 1,000 tokens', 'fast-jwt, cache on, 1,000 tokens'],
    ]) {
      for (const mode of ['sequential', 'concurrent']) {
        const toRaw = ratio(row(rs, ours)[mode], rs.rows[0][mode]);
        const toFast = ratio(row(rs, ours)[mode], row(rs, theirs)[mode]);
        lines.push(
          `- verify RS256 ${ours.slice(ours.indexOf('cache'))}, ${mode === 'concurrent' ? '16 in flight' : 'sequential'}: ${fmt(toRaw)}× raw (target ≥ 10: ${MARK[toRaw >= 10]}), ${fmt(toFast)}× fast-jwt's hits (target ≥ 1: ${MARK[toFast >= 1]})`,
        );
      }
    }
  }
  return lines;
}

function httpTargets(http) {
  const lines = [];
  for (const [title, rows] of Object.entries(http.tables)) {
    if (!title.includes('rotating')) continue;
    const [framework] = title.split(',');
    const rps = (name) => rows.find((r) => r.name === name).rps;
    // CPU: the inverse ratio of server CPU per request (how much of its throughput the server keeps when
    // it, not the load generator, is the bottleneck).
    const cpu = (name) => rows.find((r) => r.name === name).cpuUs;
    const toRaw = ratio(rps('jwtguard'), rps('raw'));
    const cachedToBase = ratio(rps('jwtguard+cache'), rps('no-auth'));
    const cpuToRaw = ratio(cpu('raw'), cpu('jwtguard'));
    const cpuCachedToBase = ratio(cpu('no-auth'), cpu('jwtguard+cache'));
    // What any middleware at all costs the framework (Hono leaves its synchronous fast path, for one).
    const cpuNoopToBase = ratio(cpu('no-auth'), cpu('no-op middleware'));
    lines.push(
      `- HTTP ${framework}, 1,000 rotating tokens: jwtguard ${fmt(toRaw)} of the raw middleware in req/s, ${fmt(cpuToRaw)} in server CPU per request (target ≥ 0.90: ${MARK[toRaw >= 0.9]} / ${MARK[cpuToRaw >= 0.9]}); ` +
        `with the cache ${fmt(cachedToBase)} of no-auth in req/s, ${fmt(cpuCachedToBase)} in CPU (target ≥ 0.85: ${MARK[cachedToBase >= 0.85]} / ${MARK[cpuCachedToBase >= 0.85]}; ` +
        `a middleware that does nothing keeps ${fmt(cpuNoopToBase)} in CPU)`,
    );
    const peers = rows.filter(
      (r) => !['no-auth', 'no-op middleware', 'raw', 'jwtguard', 'jwtguard+cache'].includes(r.name),
    );
    for (const peer of peers) {
      const ahead = ratio(rps('jwtguard'), peer.rps);
      lines.push(
        `- HTTP ${framework}, 1,000 rotating tokens: jwtguard (cache off) ${fmt(ahead)}× ${peer.name} (target > 1: ${MARK[ahead > 1]})`,
      );
    }
  }
  return lines;
}

function memoryTargets(memory) {
  const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
  const count = memory.entries.toLocaleString('en-US');
  const overEmpty = memory.full.rss - memory.empty.rss;
  const burstOverEmpty = memory.full.burst.rss - memory.empty.burst.rss;
  const work = memory.noCache.rss - memory.empty.rss;
  const held = memory.full.rss - memory.noCache.rss;
  const heap = memory.full.heapUsed - memory.noCache.heapUsed;
  const limit = 20 * 2 ** 20;
  return [
    `- memory, as written (RSS of a verifier with ${count} cached tokens over an empty process, idle): ${mb(overEmpty)} MB (target < 20 MB: ${MARK[overEmpty < limit]}); ` +
      `${mb(work)} MB of it is there with the cache off (jwtguard and its dependencies loaded, code compiled, the same work done); ` +
      `right after the burst of verifications ${mb(burstOverEmpty)} MB, most of it the young generation V8 grew`,
    `- memory held by the cache (cache on − cache off, same work, idle): ${mb(held)} MB RSS, ${mb(heap)} MB heap (target < 20 MB: ${MARK[held < limit && heap < limit]})`,
  ];
}

export function targetLines({ verify, http, memory }) {
  return [...verifyTargets(verify), ...httpTargets(http), ...memoryTargets(memory)];
}
