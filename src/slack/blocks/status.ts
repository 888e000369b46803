/**
 * `/fpm status HOST`: the pools at a glance (busy/max, queue, whether the status page answered),
 * from the facts of one quick look; no runbooks. The full story is `/fpm diagnose`.
 */
import type { KnownBlock } from '@slack/types';
import type { FpmPoolConfig, HostFacts, PoolStatusResult } from '../../facts/types.js';
import { connectArg } from '../../probes/plan.js';
import { context, header, type SlackMessage, section } from './elements.js';
import { fitMessage, SLACK_LIMITS } from './limits.js';
import { packLines, takeLines } from './lines.js';
import { code, escapeMrkdwn, oneLine, plural, truncate } from './mrkdwn.js';

type Light = 'red' | 'yellow' | 'green' | 'white';
const EMOJI: Record<Light, string> = {
  red: ':red_circle:',
  yellow: ':large_yellow_circle:',
  green: ':large_green_circle:',
  white: ':white_circle:',
};
const RANK: Record<Light, number> = { red: 0, white: 1, yellow: 2, green: 3 };

interface PoolLine {
  light: Light;
  text: string;
}

export function statusMessage(facts: HostFacts, options: { maxPools?: number } = {}): SlackMessage {
  const pools = poolLines(facts);
  const worst = pools.reduce<Light>((w, p) => (RANK[p.light] < RANK[w] ? p.light : w), 'green');
  const running = facts.fpm.masters.length > 0;
  const runtimeOk = facts.probes.find((p) => p.id === 'runtime')?.ok ?? true;

  let headline: string;
  let light: Light;
  if (!running && runtimeOk) {
    headline = 'PHP-FPM is not running';
    light = 'red';
  } else if (!running) {
    headline = 'could not read the process table';
    light = 'white';
  } else {
    headline = `${plural(facts.fpm.masters.length, 'FPM master')}, ${plural(pools.length, 'pool')}`;
    light = pools.length ? worst : 'white';
  }

  const taken = takeLines(
    pools.map((p) => p.text),
    options.maxPools ?? 40,
    6000,
  );
  if (taken.omitted) taken.shown.push(`…and ${plural(taken.omitted, 'more pool')}`);
  const blocks: KnownBlock[] = [header(`${EMOJI[light]} ${facts.host} — ${headline}`, 'status-head')];
  blocks.push(
    ...packLines(taken.shown, SLACK_LIMITS.sectionText - 100).map((t, i) => section(t, `status-pools-${i}`)),
  );
  const notes: string[] = [];
  if (facts.failures.length) {
    const f = facts.failures[0]!;
    notes.push(
      `:warning: could not read ${code(f.target, 80)}: ${f.reason} — ${escapeMrkdwn(truncate(oneLine(f.fix), 150))}` +
        (facts.failures.length > 1 ? ` (and ${facts.failures.length - 1} more)` : ''),
    );
  }
  notes.push(`as of ${escapeMrkdwn(facts.collectedAt)} · root cause: ${code(`/fpm diagnose ${facts.host}`)}`);
  blocks.push(context(notes, 'status-foot'));
  return fitMessage({ text: `${escapeMrkdwn(facts.host)}: ${escapeMrkdwn(headline)}`, parts: [{ blocks }] });
}

/** Worst first, so a saturated pool is never below the fold. */
function poolLines(facts: HostFacts): PoolLine[] {
  const configs = facts.fpm.pools;
  const used = new Set<PoolStatusResult>();
  const lines = configs.map((cfg) => {
    const status = facts.status.find((s) => !used.has(s) && matches(s, cfg));
    if (status) used.add(status);
    return poolLine(cfg.name, cfg, status);
  });
  for (const s of facts.status) if (!used.has(s)) lines.push(poolLine(s.pool, undefined, s));
  return lines
    .map((l, i) => ({ l, i }))
    .sort((a, b) => RANK[a.l.light] - RANK[b.l.light] || a.i - b.i)
    .map(({ l }) => l);
}

// Pool names repeat across masters; the address the status page was asked on does not.
function matches(s: PoolStatusResult, cfg: FpmPoolConfig): boolean {
  return s.pool === cfg.name && (s.listen === undefined || s.listen === connectArg(cfg.listen));
}

function poolLine(name: string, cfg: FpmPoolConfig | undefined, s: PoolStatusResult | undefined): PoolLine {
  const label = `*${escapeMrkdwn(name)}*`;
  const max = cfg?.maxChildren;
  if (!s) {
    const why = cfg && !cfg.statusPath ? 'no status page (set pm.status_path)' : 'status not read';
    return { light: 'white', text: `${EMOJI.white} ${label} · ${why}${max ? ` · max_children ${max}` : ''}` };
  }
  if (!s.ok) {
    const light: Light = s.reason === 'timeout' || s.errno === 11 ? 'red' : 'white';
    const why =
      s.reason === 'timeout'
        ? `status timed out after ${s.ms} ms: the pool is likely saturated`
        : `status ${s.reason}: ${escapeMrkdwn(truncate(oneLine(s.detail), 120))}`;
    return { light, text: `${EMOJI[light]} ${label} · ${why}` };
  }
  const st = s.status;
  const busy = st.activeProcesses;
  const queued = st.listenQueue;
  const light: Light =
    (max !== undefined && max > 0 && busy >= max) || queued > 0
      ? 'red'
      : max !== undefined && max > 0 && busy >= 0.8 * max
        ? 'yellow'
        : 'green';
  const parts = [
    `${EMOJI[light]} ${label}`,
    `${busy}/${max ?? '?'} busy`,
    `queue ${queued}${st.listenQueueLen ? ` of ${st.listenQueueLen}` : ''}`,
    st.maxChildrenReached ? `max_children reached ${st.maxChildrenReached}×` : '',
    st.slowRequests ? `${plural(st.slowRequests, 'slow request')}` : '',
    `status ok (${s.ms} ms)`,
  ].filter(Boolean);
  return { light, text: parts.join(' · ') };
}
