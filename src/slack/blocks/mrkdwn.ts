/**
 * Slack mrkdwn for text that came from a host, a log, the inventory or a person. Slack reads
 * `<...>` as a mention, a channel or a link, so a log line holding `<!channel>` would page a whole
 * channel; escaping `&`, `<` and `>` is the whole defence, and every such string goes through here.
 */

/** Control characters make the API refuse the message; bidi overrides make text read other than it is. */
const UNSAFE_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function escapeMrkdwn(text: string): string {
  return text.replace(UNSAFE_CHARS, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** For plain_text objects: Slack does not parse them, but unsafe characters still break or spoof. */
export function plainText(text: string): string {
  return text.replace(UNSAFE_CHARS, '');
}

/** Titles, host lines and buttons: a newline in the middle would break the line layout. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `text` cut to `max` characters (UTF-16 units, as Slack counts), ending in an ellipsis. */
export function truncate(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, Math.max(0, max - ellipsis.length));
  // A lone high surrogate is invalid UTF-16: the API refuses the whole message.
  return `${cut.replace(/[\ud800-\udbff]$/, '')}${ellipsis}`;
}

/**
 * `truncate` for mrkdwn: never leaves half an entity ("&am"), half a link ("<https://x|ru") or an
 * open code fence behind, each of which would show raw markup or turn the rest into code.
 */
export function truncateMrkdwn(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  const closing = '\n```';
  const cutAt = (n: number) => {
    const cut = truncate(text, n, '').replace(/&[a-z]{0,4}$/, '');
    const open = cut.lastIndexOf('<');
    return open > cut.lastIndexOf('>') ? cut.slice(0, open) : cut;
  };
  const openFence = (s: string) => (s.match(/```/g)?.length ?? 0) % 2 === 1;
  const cut = cutAt(max - ellipsis.length);
  if (!openFence(cut)) return `${cut}${ellipsis}`;
  // Cut inside a code block: make room to close it, or everything after would be code.
  const shorter = cutAt(max - ellipsis.length - closing.length);
  return openFence(shorter) ? `${shorter}${ellipsis}${closing}` : `${shorter}${ellipsis}`;
}

/**
 * Inline code. A backtick inside would end the span early, so it becomes a look-alike; the text is
 * escaped too, since Slack still resolves `<!channel>` inside code.
 */
export function code(text: string, max = 200): string {
  const inner = truncateMrkdwn(escapeMrkdwn(oneLine(text)).replace(/`/g, 'ˋ'), max - 2);
  return inner === '' ? '' : `\`${inner}\``;
}

const moreLines = (n: number) => `…${n} more line${n === 1 ? '' : 's'}`;

/**
 * A fenced code block of `lines`, at most `max` characters in all, each line at most `lineMax`;
 * lines that do not fit are counted in a last "…N more lines". A ``` inside a line would close
 * the fence, so backtick runs are broken with a zero-width space.
 */
export function codeBlock(lines: readonly string[], max: number, lineMax = max): string {
  return fitCodeBlock(lines, max, lineMax).text;
}

/** Whether codeBlock shows every line of `lines` whole, nothing cut or counted. */
export function codeBlockFits(lines: readonly string[], max: number, lineMax = max): boolean {
  return fitCodeBlock(lines, max, lineMax).whole;
}

function fitCodeBlock(
  lines: readonly string[],
  max: number,
  lineMax: number,
): { text: string; whole: boolean } {
  const fence = '```';
  const budget = max - 2 * fence.length - 2;
  // Leave room for a note, so the first line alone never crowds out everything.
  const perLine = Math.max(1, Math.min(lineMax, budget - 24));
  const escaped = lines.map((l) => escapeMrkdwn(l).replace(/`(?=`)/g, '`\u200b'));
  const shown = escaped.map((l) => truncateMrkdwn(l, perLine));
  let whole = shown.every((l, i) => l === escaped[i]);
  const kept: string[] = [];
  let used = 0;
  for (const [i, line] of shown.entries()) {
    const after = shown.length - i - 1;
    const reserve = after > 0 ? moreLines(after).length + 1 : 0;
    const sep = kept.length > 0 ? 1 : 0;
    if (used + sep + line.length + reserve > budget) {
      kept.push(moreLines(shown.length - i));
      whole = false;
      break;
    }
    kept.push(line);
    used += sep + line.length;
  }
  // An empty fenced block renders as literal backticks.
  return { text: `${fence}\n${kept.join('\n') || ' '}\n${fence}`, whole };
}

/**
 * A link when `url` is an absolute http(s) URL, else the label as inline code (a relative path
 * such as `runbooks/x.md` cannot be a Slack link). `|` and `>` would end the link markup early.
 */
export function link(url: string, label: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return code(url);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return code(url);
  const href = parsed.href.replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E');
  return `<${href}|${escapeMrkdwn(oneLine(label)).replace(/\|/g, '¦')}>`;
}

/** A Slack user id rendered as a mention; anything else is shown as escaped text. */
export function userMention(userId: string): string {
  return /^[UW][A-Z0-9]{2,20}$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(oneLine(userId));
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
