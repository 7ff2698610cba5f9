// The Markdown tables of bench/RESULTS.md, one renderer per part of the suite.
import { formatRate } from './measure.mjs';

export function renderVerifyTable(alg, table) {
  const [limit] = table.rows;
  const lines = [
    `#### ${alg} (token ${table.tokenBytes} bytes)`,
    '',
    '| implementation | sequential ops/s | ratio | 16 in flight ops/s | ratio |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const row of table.rows) {
    lines.push(
      `| ${row.name} | ${formatRate(row.sequential)} | ${(row.sequential / limit.sequential).toFixed(2)} | ${formatRate(row.concurrent)} | ${(row.concurrent / limit.concurrent).toFixed(2)} |`,
    );
  }
  return lines.join('\n') + '\n';
}

export function renderHttpTable(title, rows) {
  const baseline = rows.find((row) => row.name === 'no-auth');
  const raw = rows.find((row) => row.name === 'raw');
  const lines = [
    `#### ${title}`,
    '',
    '| server | req/s | p50 ms | p99 ms | ratio to no-auth | ratio to raw | server CPU µs/req | CPU ratio to no-auth | CPU ratio to raw |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    // CPU ratios are inverted (baseline µs ÷ this row's µs) so that, like req/s ratios, 1.00 is "as cheap".
    lines.push(
      `| ${row.name} | ${formatRate(row.rps)} | ${row.p50} | ${row.p99} | ${(row.rps / baseline.rps).toFixed(2)} | ${(row.rps / raw.rps).toFixed(2)} | ${row.cpuUs.toFixed(1)} | ${(baseline.cpuUs / row.cpuUs).toFixed(2)} | ${(raw.cpuUs / row.cpuUs).toFixed(2)} |`,
    );
  }
  return lines.join('\n') + '\n';
}

export function renderStorm({ rows, storm, latencyMs, deadlineMs }) {
  const lines = [
    `${storm.toLocaleString('en-US')} concurrent verifications, each with a different unknown kid; JWKS over loopback HTTP answering after ${latencyMs} ms; counted after all settle or ${deadlineMs / 1000} s.`,
    '',
    'Cold: the storm is the first traffic (keys not yet fetched). Warm: one valid token was verified first.',
    '',
    '| verifier | keys | JWKS fetches | accepted | still waiting | wall time ms |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.name} | ${row.warm ? 'warm' : 'cold'} | ${row.fetches} | ${row.accepted} | ${row.waiting} | ${row.ms.toFixed(0)} |`,
    );
  }
  return lines.join('\n') + '\n';
}

const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);

export function renderMemory({ empty, verifier, noCache, full, entries }) {
  const count = entries.toLocaleString('en-US');
  const lines = [
    `A verifier whose token cache holds ${count} verified ES256 access tokens (${full.tokenBytes} bytes each; an RS256 token is 256 bytes longer), each process measured after \`gc()\`, ` +
      'right after verifying (the burst) and again after 6 s without work, once V8 has given back the young generation the burst grew ' +
      '(verifying 10,000 tokens in a second grows it whether or not anything is cached). The row "cache off" did the same work without a ' +
      'cache, so the difference between the last two rows is what the cache holds.',
    '',
    '| process | RSS MB, burst | RSS MB, idle | heap used MB | RSS over empty process, idle | heap over empty process |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const [name, row] of [
    ['empty Node process', empty],
    ['jwtguard loaded, verifier with 1 cached token', verifier],
    [`cache off, after verifying ${count} tokens`, noCache],
    [`cache on, ${count} cached tokens`, full],
  ]) {
    lines.push(
      `| ${name} | ${mb(row.burst.rss)} | ${mb(row.rss)} | ${mb(row.heapUsed)} | ${mb(row.rss - empty.rss)} | ${mb(row.heapUsed - empty.heapUsed)} |`,
    );
  }
  lines.push(
    '',
    `Held by the cache (cache on − cache off, same work, idle): ${mb(full.rss - noCache.rss)} MB RSS, ${mb(full.heapUsed - noCache.heapUsed)} MB heap.`,
  );
  return lines.join('\n') + '\n';
}
