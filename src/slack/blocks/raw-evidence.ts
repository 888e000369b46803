/**
 * The "Raw evidence" view, shown only to whoever clicked: each probe's output in code blocks.
 * The caller redacts first (DESIGN.md rule 6); this only lays the text out. Outputs share the
 * message fairly, so one huge log cannot push every other probe out, and what is cut is counted.
 */
import type { KnownBlock } from '@slack/types';
import { context, header, type SlackMessage, section } from './elements.js';
import { fitMessage, TEXT_BUDGET } from './limits.js';
import { code, codeBlock, escapeMrkdwn, plural } from './mrkdwn.js';

export interface RawEvidenceOutput {
  /** The probe id, e.g. "runtime", "logs". */
  probe: string;
  /** Its output, already redacted. */
  text: string;
}

export interface RawEvidenceInput {
  host: string;
  outputs: readonly RawEvidenceOutput[];
}

const LINE_MAX = 1000;
/** Content per code block; the fences, a title and a note fit in the rest of a section's 3000. */
const CHUNK_MAX = 2500;
const MIN_SHARE = 400;
const MAX_CONTENT_BLOCKS = 45;
const CONTENT_BUDGET = TEXT_BUDGET - 1000;

export function rawEvidenceMessage(input: RawEvidenceInput): SlackMessage {
  const blocks: KnownBlock[] = [
    header(`Raw evidence — ${input.host}`, 'raw-head'),
    context(['Only you can see this. Secrets were redacted before it was shown.'], 'raw-note'),
  ];
  let budget = CONTENT_BUDGET;
  let blocksLeft = MAX_CONTENT_BLOCKS;
  const skipped: string[] = [];
  input.outputs.forEach((output, i) => {
    const share = Math.floor(budget / (input.outputs.length - i));
    if (blocksLeft === 0 || budget < MIN_SHARE) {
      skipped.push(output.probe);
      return;
    }
    const sections = outputSections(output, Math.max(share, MIN_SHARE), blocksLeft, i);
    blocks.push(...sections.blocks);
    budget -= sections.chars;
    blocksLeft -= sections.blocks.length;
  });
  if (skipped.length) {
    const names = skipped.map((p) => code(p, 40)).join(', ');
    blocks.push(context([`…${plural(skipped.length, 'more output')} not shown: ${names}`], 'raw-skipped'));
  }
  return fitMessage({ text: `Raw evidence for ${escapeMrkdwn(input.host)}`, parts: [{ blocks }] });
}

function outputSections(output: RawEvidenceOutput, share: number, maxBlocks: number, index: number) {
  const empty = output.text.trim() === '';
  const lines = empty ? [] : output.text.replace(/\n+$/, '').split('\n');
  const lineMax = Math.min(LINE_MAX, share - 100);
  const chunks = chunk(lines, Math.min(share, CHUNK_MAX), share, maxBlocks, lineMax);
  const title = `*${escapeMrkdwn(output.probe)}*`;
  const blocks: KnownBlock[] = [];
  let chars = 0;
  chunks.taken.forEach((c, n) => {
    let text = codeBlock(c, CHUNK_MAX + 400, lineMax);
    if (n === 0) text = `${title}\n${text}`;
    if (n === chunks.taken.length - 1 && chunks.omitted > 0) {
      text += `\n_…${plural(chunks.omitted, 'more line')} of ${escapeMrkdwn(output.probe)} not shown_`;
    }
    chars += text.length;
    blocks.push(section(text, `raw-${index}-${n}`));
  });
  if (blocks.length === 0) {
    const text = `${title}\n_${empty ? 'no output' : 'too long to show here'}_`;
    blocks.push(section(text, `raw-${index}-0`));
    chars += text.length;
  }
  return { blocks, chars };
}

/**
 * Lines into chunks of at most `chunkMax` shown characters, `total` in all, `maxChunks` chunks;
 * the size is what Slack will count, i.e. after escaping and cutting long lines.
 */
function chunk(
  lines: readonly string[],
  chunkMax: number,
  total: number,
  maxChunks: number,
  lineMax: number,
) {
  const taken: string[][] = [];
  let current: string[] = [];
  let size = 0;
  let used = 0;
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const cost = Math.min(escapeMrkdwn(line).length, lineMax) + 1;
    if (used + cost > total) break;
    if (size + cost > chunkMax && current.length) {
      if (taken.length + 2 > maxChunks) break;
      taken.push(current);
      current = [];
      size = 0;
    }
    current.push(line);
    size += cost;
    used += cost;
  }
  if (current.length) taken.push(current);
  return { taken, omitted: lines.length - i };
}
