import type { ConfigAt, ListenAddress, WebFastcgiRoute, WebServerConfig } from '../../facts/types.js';

/**
 * `nginx -T` output -> WebServerConfig. -T prints every file it read once, each after a
 * "# configuration file PATH:" line, in the order they were opened; `include` directives stay
 * in place. We tokenize each file with nginx's own rules (ngx_conf_file.c: quotes, backslash
 * escapes, # comments, braces), then expand includes from the dumped files, so a directive
 * coming from a snippet lands where nginx would see it.
 */

export interface NginxDirective {
  name: string;
  args: string[];
  block?: NginxDirective[];
  file: string;
  line: number;
  /** The line of its ';' (or its block's '{'): a one-line directive has endLine === line. */
  endLine?: number;
}

export class NginxSyntaxError extends Error {}

interface Token {
  text: string;
  /** Quoted tokens are never ';', '{' or '}'. */
  quoted: boolean;
  line: number;
}

/**
 * ngx_conf_read_token: a backslash protects the next character from being a delimiter, but only
 * \" \' \\ \t \r \n lose the backslash when the word is copied; "\." stays "\." (regexes).
 */
function nginxUnescape(next: string): string {
  switch (next) {
    case '"':
    case "'":
    case '\\':
      return next;
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case 'n':
      return '\n';
    default:
      return `\\${next}`;
  }
}

export function tokenizeNginx(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === ';' || c === '{' || c === '}') {
      tokens.push({ text: c, quoted: false, line });
      i++;
    } else if (c === '"' || c === "'") {
      const start = line;
      let value = '';
      i++;
      while (i < n && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < n) {
          value += nginxUnescape(text[i + 1]!);
          i += 2;
          continue;
        }
        if (text[i] === '\n') line++;
        value += text[i];
        i++;
      }
      i++;
      tokens.push({ text: value, quoted: true, line: start });
    } else {
      let value = '';
      while (i < n) {
        const d = text[i]!;
        if (d === ' ' || d === '\t' || d === '\r' || d === '\n' || d === ';' || d === '{' || d === '}') break;
        // "${var}" keeps its braces: a '{' right after '$' is part of the word.
        if (d === '\\' && i + 1 < n) {
          value += nginxUnescape(text[i + 1]!);
          i += 2;
          continue;
        }
        value += d;
        i++;
        if (d === '$' && text[i] === '{') {
          const close = text.indexOf('}', i);
          if (close < 0) break;
          value += text.slice(i, close + 1);
          i = close + 1;
        }
      }
      tokens.push({ text: value, quoted: false, line });
    }
  }
  return tokens;
}

export function parseNginxFile(text: string, file = ''): NginxDirective[] {
  const tokens = tokenizeNginx(text);
  let pos = 0;
  const parseBlock = (depth: number): NginxDirective[] => {
    const out: NginxDirective[] = [];
    let words: Token[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if (!t.quoted && t.text === ';') {
        if (words.length > 0) out.push(directive(words, t.line));
        words = [];
      } else if (!t.quoted && t.text === '{') {
        if (words.length === 0) throw new NginxSyntaxError(`${file}:${t.line}: unexpected "{"`);
        const d = directive(words, t.line);
        words = [];
        d.block = parseBlock(depth + 1);
        out.push(d);
      } else if (!t.quoted && t.text === '}') {
        if (depth === 0) throw new NginxSyntaxError(`${file}:${t.line}: unexpected "}"`);
        return out;
      } else {
        words.push(t);
      }
    }
    if (depth > 0) throw new NginxSyntaxError(`${file}: unexpected end of file, expecting "}"`);
    return out;
  };
  const directive = (words: Token[], endLine: number): NginxDirective => ({
    name: words[0]!.text,
    args: words.slice(1).map((w) => w.text),
    file,
    line: words[0]!.line,
    endLine,
  });
  return parseBlock(0);
}

/** Splits `nginx -T` output into files, in dump order. Text before the first header is ignored. */
export function splitNginxDump(dump: string): Map<string, string> {
  const files = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (current !== undefined && !files.has(current)) files.set(current, lines.join('\n'));
  };
  for (const line of dump.split('\n')) {
    const m = /^# configuration file (.+):$/.exec(line);
    if (m) {
      flush();
      current = m[1]!;
      lines = [];
    } else if (current !== undefined) {
      lines.push(line);
    }
  }
  flush();
  return files;
}

function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i > 0 ? path.slice(0, i) : '/';
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const c of glob) {
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[' || c === ']') re += c;
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Expands `include` in place (recursively, bounded), from the files -T dumped. Relative paths are
 * relative to the main file's directory (nginx's conf prefix); globs expand in sorted order.
 */
function expandIncludes(
  directives: NginxDirective[],
  parsed: Map<string, NginxDirective[]>,
  confDir: string,
  depth = 0,
): NginxDirective[] {
  const out: NginxDirective[] = [];
  for (const d of directives) {
    if (d.name === 'include' && d.args[0] !== undefined && depth < 16) {
      const pattern = d.args[0].startsWith('/') ? d.args[0] : `${confDir}/${d.args[0]}`;
      const matches = /[*?[]/.test(pattern)
        ? [...parsed.keys()].filter((f) => globToRegExp(pattern).test(f)).sort()
        : parsed.has(pattern)
          ? [pattern]
          : [];
      for (const f of matches) out.push(...expandIncludes(parsed.get(f)!, parsed, confDir, depth + 1));
      continue;
    }
    out.push(d.block ? { ...d, block: expandIncludes(d.block, parsed, confDir, depth) } : d);
  }
  return out;
}

/** nginx time: "60s", "1m", "1500ms", "1m30s", "2" (seconds). Returns seconds, or undefined. */
export function parseNginxTime(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value);
  const units: Record<string, number> = {
    ms: 0.001,
    s: 1,
    m: 60,
    h: 3600,
    d: 86400,
    w: 604800,
    M: 2592000,
    y: 31536000,
  };
  let total = 0;
  let rest = value;
  while (rest.length > 0) {
    const m = /^(\d+)(ms|s|m|h|d|w|M|y)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return value.length > 0 ? total : undefined;
}

/** listen argument -> host/port; unix listeners and unparsable values give undefined. */
export function parseNginxListen(arg: string): { host: string; port: number } | undefined {
  if (arg.startsWith('unix:')) return undefined;
  if (/^\d+$/.test(arg)) return { host: '0.0.0.0', port: Number(arg) };
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(arg);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : 80 };
  const m = /^([^:]+)(?::(\d+))?$/.exec(arg);
  if (!m) return undefined;
  return { host: m[1] === '*' ? '0.0.0.0' : m[1]!, port: m[2] ? Number(m[2]) : 80 };
}

function addressOf(target: string): ListenAddress | undefined {
  if (target.startsWith('unix:')) return { kind: 'unix', path: target.slice(5) };
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(target);
  if (v6) return { kind: 'tcp', host: v6[1]!, port: Number(v6[2]) };
  const m = /^([^:/\s]+):(\d+)$/.exec(target);
  if (m) return { kind: 'tcp', host: m[1]!, port: Number(m[2]) };
  return undefined;
}

interface Timeouts {
  read: number;
  connect: number;
  send: number;
}

const DEFAULT_TIMEOUT = 60;

function withTimeouts(block: NginxDirective[], inherited: Timeouts): Timeouts {
  const t = { ...inherited };
  for (const d of block) {
    const v = d.args[0] !== undefined ? parseNginxTime(d.args[0]) : undefined;
    if (v === undefined) continue;
    if (d.name === 'fastcgi_read_timeout') t.read = v;
    else if (d.name === 'fastcgi_connect_timeout') t.connect = v;
    else if (d.name === 'fastcgi_send_timeout') t.send = v;
  }
  return t;
}

/** A directive's place in its file, with the text of its first line (from the -T dump). */
function configAt(d: NginxDirective, files: ReadonlyMap<string, string>): ConfigAt {
  const text = files.get(d.file)?.split('\n')[d.line - 1] ?? '';
  return { file: d.file, line: d.line, endLine: d.endLine ?? d.line, text };
}

const LOG_SINKS = /^(stderr|syslog:|memory:|\/dev\/null$)/;

export interface NginxConfigMeta {
  pid?: number;
  binary?: string;
  configPath?: string;
  /** -p prefix of the master, for relative error_log paths. */
  prefix?: string;
}

/**
 * The effective config dump of one nginx master -> its listeners, error logs and every place it
 * hands requests to FastCGI with the fastcgi_*_timeout in force there (http -> server -> location,
 * nested locations inheriting from their parent; 60 s when unset).
 */
export function parseNginxConfig(dump: string, meta: NginxConfigMeta = {}): WebServerConfig {
  const files = splitNginxDump(dump);
  const parsed = new Map<string, NginxDirective[]>();
  for (const [file, text] of files) {
    try {
      parsed.set(file, parseNginxFile(text, file));
    } catch {
      // A file -T printed but we cannot read (truncated dump): keep what the others say.
      parsed.set(file, []);
    }
  }
  const mainFile = meta.configPath && parsed.has(meta.configPath) ? meta.configPath : [...parsed.keys()][0];
  const config: WebServerConfig = { kind: 'nginx', listens: [], errorLogs: [], routes: [] };
  if (meta.pid !== undefined) config.pid = meta.pid;
  if (meta.binary !== undefined) config.binary = meta.binary;
  if (meta.configPath !== undefined) config.configPath = meta.configPath;
  if (!mainFile) return config;
  const root = expandIncludes(parsed.get(mainFile)!, parsed, dirname(mainFile));

  const levels: Record<string, string> = {};
  const addLog = (d: NginxDirective) => {
    let path = d.args[0];
    if (!path || LOG_SINKS.test(path)) return;
    if (!path.startsWith('/') && meta.prefix) path = `${meta.prefix.replace(/\/$/, '')}/${path}`;
    if (!config.errorLogs.includes(path)) config.errorLogs.push(path);
    levels[path] ??= d.args[1] ?? 'error';
  };
  const walkLogs = (block: NginxDirective[]) => {
    for (const d of block) {
      if (d.name === 'error_log') addLog(d);
      if (d.block) walkLogs(d.block);
    }
  };
  walkLogs(root);

  const upstreams = new Map<string, ListenAddress[]>();
  const defaults: Timeouts = { read: DEFAULT_TIMEOUT, connect: DEFAULT_TIMEOUT, send: DEFAULT_TIMEOUT };

  for (const http of root.filter((d) => d.name === 'http' && d.block)) {
    for (const u of http.block!.filter((d) => d.name === 'upstream' && d.block)) {
      const servers: ListenAddress[] = [];
      for (const s of u.block!.filter((d) => d.name === 'server')) {
        const a = s.args[0] !== undefined ? addressOf(s.args[0]) : undefined;
        if (a) servers.push(a);
        else if (s.args[0]) servers.push({ kind: 'tcp', host: s.args[0], port: 80 });
      }
      if (u.args[0]) upstreams.set(u.args[0], servers);
    }
    const httpTimeouts = withTimeouts(http.block!, defaults);
    for (const server of http.block!.filter((d) => d.name === 'server' && d.block)) {
      const names = server.block!.find((d) => d.name === 'server_name')?.args.filter((a) => a !== '') ?? [];
      const listens = server.block!.filter((d) => d.name === 'listen');
      if (listens.length === 0)
        listens.push({ name: 'listen', args: ['80'], file: server.file, line: server.line });
      for (const l of listens) {
        const hp = l.args[0] !== undefined ? parseNginxListen(l.args[0]) : undefined;
        if (!hp) continue;
        const key = `${hp.host}:${hp.port}`;
        const isDefault = l.args.includes('default_server') || l.args.includes('default');
        const existing = config.listens.find((x) => `${x.host}:${x.port}` === key);
        if (existing) {
          if (isDefault) existing.defaultServer = true;
          continue;
        }
        config.listens.push(isDefault ? { ...hp, defaultServer: true } : hp);
      }
      const serverLabel = names[0] ?? (listens[0]?.args[0] ? `:${listens[0].args[0]}` : '_');
      const walk = (block: NginxDirective[], inherited: Timeouts, scope: string) => {
        const t = withTimeouts(block, inherited);
        const pass = block.find((d) => d.name === 'fastcgi_pass');
        if (pass?.args[0] !== undefined) {
          const raw = pass.args[0];
          const direct = addressOf(raw);
          const target: WebFastcgiRoute['target'] = direct ?? {
            kind: 'upstream',
            name: raw,
            servers: upstreams.get(raw) ?? [],
          };
          // Where a fix sets this route's read timeout: its own directive, else beside fastcgi_pass.
          const own = block.find(
            (d) =>
              d.name === 'fastcgi_read_timeout' &&
              d.args[0] !== undefined &&
              parseNginxTime(d.args[0]) !== undefined,
          );
          config.routes.push({
            scope,
            target,
            readTimeoutSec: t.read,
            connectTimeoutSec: t.connect,
            sendTimeoutSec: t.send,
            passAt: configAt(pass, files),
            ...(own ? { readTimeoutAt: configAt(own, files) } : {}),
          });
        }
        for (const d of block) {
          if ((d.name === 'location' || d.name === 'if' || d.name === 'limit_except') && d.block) {
            walk(d.block, t, `${scope} ${d.name} ${d.args.join(' ')}`);
          }
        }
      };
      walk(server.block!, httpTimeouts, `server ${serverLabel}`);
    }
  }
  if (Object.keys(levels).length > 0) config.errorLogLevels = levels;
  return config;
}
