/**
 * PEM private keys (RSA, EC, OpenSSH, PKCS#8, encrypted, PGP blocks): the BEGIN/END lines stay so
 * the reader knows a key was there, the body goes. Written as forward scans rather than a lazy
 * `BEGIN[\s\S]*?END` regex, which rescans to the end of the input for every BEGIN without an END.
 */
import { REDACTED } from './values.js';

const BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
// Any type: a BEGIN RSA closed by END EC is malformed, and its body is secret all the same.
const END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
// A line of a key's body: base64, a PEM header ("Proc-Type: 4,ENCRYPTED"), or blank.
// Indented when the key sits in YAML (`tls.key: |`), a Helm value or a heredoc.
const BODY_LINE_RE =
  /^[ \t]*(?:[A-Za-z0-9+/=]+|(?:Proc-Type|DEK-Info|Comment|Version|Hash|Charset): .*|)\r?$/;

export function redactPrivateKeys(text: string): string {
  if (!text.includes('PRIVATE KEY')) return text;
  const begin = new RegExp(BEGIN.source, 'g');
  const end = new RegExp(END.source, 'g');
  // Both scans only move forward: the next END is searched for again only once passed.
  let nextEnd: RegExpExecArray | null = null;
  let noMoreEnds = false;
  const out: string[] = [];
  let copied = 0;
  for (let m = begin.exec(text); m !== null; m = begin.exec(text)) {
    const bodyStart = m.index + m[0].length;
    if (nextEnd !== null && nextEnd.index < bodyStart) nextEnd = null;
    if (nextEnd === null && !noMoreEnds) {
      end.lastIndex = Math.max(end.lastIndex, bodyStart);
      nextEnd = end.exec(text);
      noMoreEnds = nextEnd === null;
    }
    // An END after other text belongs to another key: this one was cut off (a truncated log).
    const extent = bodyExtent(text, bodyStart);
    const closed = nextEnd !== null && (nextEnd.index <= extent || isBlank(text, extent, nextEnd.index));
    const bodyEnd = closed && nextEnd ? nextEnd.index : extent;
    out.push(text.slice(copied, bodyStart), maskedBody(text.slice(bodyStart, bodyEnd)));
    copied = bodyEnd;
    begin.lastIndex = closed && nextEnd ? nextEnd.index + nextEnd[0].length : Math.max(bodyEnd, bodyStart);
  }
  out.push(text.slice(copied));
  return out.join('');
}

/**
 * Keeps the line breaks and indentation around the body, so the key's frame still reads as three
 * lines at its depth.
 */
function maskedBody(body: string): string {
  if (body.trim() === '' || body.trim() === REDACTED) return body;
  const lead = /^(?:\r?\n|\\n)?[ \t]*/.exec(body)?.[0] ?? '';
  const trail = /(?:\r?\n|\\n)?[ \t]*$/.exec(body.slice(lead.length))?.[0] ?? '';
  return `${lead}${REDACTED}${trail}`;
}

/**
 * Where the body starting at `from` ends: the rest of the BEGIN line (a key inside a JSON string
 * is all on that line) and the body lines after it, up to the last one that is not blank.
 */
function bodyExtent(text: string, from: number): number {
  let lineEnd = text.indexOf('\n', from);
  if (lineEnd === -1) return text.length;
  let extent = lineEnd;
  while (lineEnd < text.length) {
    const next = text.indexOf('\n', lineEnd + 1);
    const stop = next === -1 ? text.length : next;
    const line = text.slice(lineEnd + 1, stop);
    if (!BODY_LINE_RE.test(line)) break;
    if (line.trim() !== '') extent = stop;
    lineEnd = stop;
  }
  return extent;
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!/\s/.test(text[i] ?? '')) return false;
  return true;
}
