import type { ConfigAt, ListenAddress, WebFastcgiRoute, WebServerConfig } from '../../facts/types.js';

/**
 * Apache has no `-T`. discover-web.sh prints `-t -D DUMP_INCLUDES` (the include tree with the
 * line of each Include in its parent), `-S`, and every listed file as "LINE<TAB>text" for its
 * non-comment lines. Here the files are put back together in the order httpd reads them (each
 * included file where its Include line was), and the directives that matter for FastCGI are read.
 */

export interface ApacheDump {
  /** Body of the apache-config section: "Included configuration files:" and the tree. */
  includes: string;
  /** Body of apache-vhosts: `-S`. */
  vhosts?: string;
  /** path -> body of its apache-file section. */
  files: Map<string, string>;
}

export interface ApacheConfigMeta {
  pid?: number;
  binary?: string;
  configPath?: string;
}

interface IncludeNode {
  path: string;
  /** Line of the Include in the parent; undefined for the root. */
  line?: number;
  children: IncludeNode[];
}

/** "  (*) /etc/apache2/apache2.conf" / "    (147) /etc/apache2/mods-enabled/x.load" -> a tree. */
export function parseDumpIncludes(text: string): IncludeNode | undefined {
  let root: IncludeNode | undefined;
  const stack: { depth: number; node: IncludeNode }[] = [];
  for (const raw of text.split('\n')) {
    const m = /^( *)\((\*|\d+)\) (.+)$/.exec(raw);
    if (!m) continue;
    const depth = m[1]!.length;
    const node: IncludeNode = { path: m[3]!.trim(), children: [] };
    if (m[2] === '*' || !root) {
      root = node;
      stack.length = 0;
      stack.push({ depth, node });
      continue;
    }
    node.line = Number(m[2]);
    while (stack.length > 1 && stack[stack.length - 1]!.depth >= depth) stack.pop();
    stack[stack.length - 1]!.node.children.push(node);
    stack.push({ depth, node });
  }
  return root;
}

interface SourceLine {
  text: string;
  file: string;
  line: number;
}

function numberedLines(body: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  for (const raw of body.split('\n')) {
    const m = /^(\d+)\t(.*)$/.exec(raw);
    if (m) out.push({ line: Number(m[1]), text: m[2]! });
  }
  return out;
}

/** The config as httpd reads it: included files spliced in at their Include lines. */
export function flattenApache(dump: ApacheDump): SourceLine[] {
  const tree = parseDumpIncludes(dump.includes);
  const out: SourceLine[] = [];
  const visit = (node: IncludeNode, depth: number) => {
    const body = dump.files.get(node.path);
    const lines = body ? numberedLines(body) : [];
    const children = [...node.children];
    for (const l of lines) {
      const here = children.filter((c) => c.line === l.line);
      if (here.length > 0 && /^\s*Include(Optional)?\s/i.test(l.text)) {
        for (const c of here) if (depth < 16) visit(c, depth + 1);
        continue;
      }
      out.push({ text: l.text, file: node.path, line: l.line });
    }
  };
  if (tree) visit(tree, 0);
  else for (const [file, body] of dump.files) for (const l of numberedLines(body)) out.push({ ...l, file });
  return out;
}

/** Apache argument splitting: whitespace, with "double" or 'single' quotes and \ escapes. */
export function splitApacheArgs(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const q = text[i];
    let word = '';
    if (q === '"' || q === "'") {
      i++;
      // ap_getword_conf: inside quotes only an escaped quote loses its backslash.
      while (i < text.length && text[i] !== q) {
        if (text[i] === '\\' && text[i + 1] === q) i++;
        word += text[i++];
      }
      i++;
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) word += text[i++];
    }
    out.push(word);
  }
  return out;
}

const COMPILED_IN = ['core', 'so', 'http_core', 'log_config', 'logio', 'version', 'unixd', 'watchdog'];

interface Section {
  tag: string;
  args: string[];
  active: boolean;
}

function parseSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)(ms)?$/.exec(value.trim());
  if (!m) return undefined;
  return m[2] ? Number(m[1]) / 1000 : Number(m[1]);
}

/** A proxy target "unix:/p|fcgi://host/x" / "fcgi://127.0.0.1:9000/x" / "balancer://b" -> address. */
function fcgiTarget(url: string): { worker: string; target: WebFastcgiRoute['target'] } | undefined {
  const uds = /^unix:([^|]+)\|(fcgi:\/\/[^/]*)/i.exec(url);
  if (uds)
    return { worker: `unix:${uds[1]}|${uds[2]!.toLowerCase()}`, target: { kind: 'unix', path: uds[1]! } };
  const tcp = /^fcgi:\/\/(\[[^\]]+\]|[^/:]+)(?::(\d+))?/i.exec(url);
  if (tcp) {
    const host = tcp[1]!.replace(/^\[|\]$/g, '');
    // mod_proxy_fcgi's default port (proxy_util.c {"fcgi", 8000}).
    const port = tcp[2] ? Number(tcp[2]) : 8000;
    return { worker: `fcgi://${tcp[1]!.toLowerCase()}:${port}`, target: { kind: 'tcp', host, port } };
  }
  const bal = /^balancer:\/\/([^/]+)/i.exec(url);
  if (bal)
    return { worker: `balancer://${bal[1]}`, target: { kind: 'upstream', name: bal[1]!, servers: [] } };
  return undefined;
}

function kvParams(args: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq > 0) out.set(a.slice(0, eq).toLowerCase(), a.slice(eq + 1));
  }
  return out;
}

function parseListen(arg: string): { host: string; port: number } | undefined {
  if (/^\d+$/.test(arg)) return { host: '0.0.0.0', port: Number(arg) };
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(arg);
  if (v6) return { host: v6[1]!, port: Number(v6[2]) };
  const m = /^([^:]+):(\d+)$/.exec(arg);
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}

interface PendingRoute {
  scope: string;
  worker: string;
  target: WebFastcgiRoute['target'];
  params: Map<string, string>;
  vhost: number;
  /** The SetHandler / ProxyPass line. */
  at: ConfigAt;
}

/**
 * One Apache master's dump -> WebServerConfig. Timeouts: a worker's timeout= (ProxyPass key or
 * ProxySet in the matching <Proxy>), else ProxyTimeout, else Timeout (60 when unset; REFERENCE
 * §8.3). Sections whose condition is false (<IfModule> of a module not loaded, <IfDefine> of a
 * name -S does not list) are skipped.
 */
export function parseApacheConfig(dump: ApacheDump, meta: ApacheConfigMeta = {}): WebServerConfig {
  const lines = flattenApache(dump);
  const vhosts = dump.vhosts ?? '';
  const defines = new Set([...vhosts.matchAll(/^Define: (\S+?)(?:=.*)?$/gm)].map((m) => m[1]!));
  const serverRoot = /^ServerRoot: "(.*)"$/m.exec(vhosts)?.[1];
  const modules = new Set<string>();
  for (const m of COMPILED_IN) {
    modules.add(`${m}_module`);
    modules.add(`mod_${m}.c`);
  }
  modules.add('core.c');
  modules.add('http_core.c');

  const config: WebServerConfig = { kind: 'apache', listens: [], errorLogs: [], routes: [] };
  if (meta.pid !== undefined) config.pid = meta.pid;
  if (meta.binary !== undefined) config.binary = meta.binary;
  if (meta.configPath !== undefined) config.configPath = meta.configPath;

  const resolve = (p: string) =>
    p.startsWith('/') || !serverRoot ? p : `${serverRoot.replace(/\/$/, '')}/${p}`;
  const addLog = (p: string) => {
    if (p.startsWith('|') || p.startsWith('syslog') || p === '/dev/null') return;
    const path = resolve(p);
    if (!config.errorLogs.includes(path)) config.errorLogs.push(path);
  };
  const mainLog = /^Main ErrorLog: "(.*)"$/m.exec(vhosts)?.[1];
  if (mainLog) addLog(mainLog);

  // vhost 0 = the main server; Timeout/ProxyTimeout may differ per <VirtualHost>.
  const timeout = new Map<number, number>();
  const proxyTimeout = new Map<number, number>();
  /** Where each vhost's ProxyTimeout is set (where a fix changes it). */
  const proxyTimeoutAt = new Map<number, ConfigAt>();
  const workerTimeoutAt = new Map<string, ConfigAt>();
  const workerParams = new Map<string, Map<string, string>>();
  const pending: PendingRoute[] = [];
  const balancerMembers = new Map<string, ListenAddress[]>();
  const stack: Section[] = [];
  let vhostCount = 0;
  let vhost = 0;
  let continued = '';

  for (const src of lines) {
    const text = continued + src.text.trim();
    if (text.endsWith('\\')) {
      continued = `${text.slice(0, -1)} `;
      continue;
    }
    continued = '';
    if (text === '') continue;
    const at: ConfigAt = { file: src.file, line: src.line, endLine: src.line, text: src.text };
    const active = stack.every((s) => s.active);
    const close = /^<\/(\w+)\s*>$/.exec(text);
    if (close) {
      const s = stack.pop();
      if (s?.tag.toLowerCase() === 'virtualhost') vhost = 0;
      continue;
    }
    const open = /^<(\w+)(?:\s+(.*?))?\s*>$/.exec(text);
    if (open) {
      const tag = open[1]!;
      const args = splitApacheArgs(open[2] ?? '');
      let cond = true;
      const lower = tag.toLowerCase();
      if (lower === 'ifmodule' || lower === 'ifdefine') {
        const arg = args[0] ?? '';
        const neg = arg.startsWith('!');
        const name = neg ? arg.slice(1) : arg;
        const has = lower === 'ifmodule' ? modules.has(name) : defines.has(name);
        cond = neg ? !has : has;
      }
      if (lower === 'virtualhost' && active) vhost = ++vhostCount;
      stack.push({ tag, args, active: cond });
      continue;
    }
    if (!active) continue;
    const [name = '', ...args] = splitApacheArgs(text);
    const directive = name.toLowerCase();
    const scope = stack
      .filter((s) => s.tag.toLowerCase() !== 'ifmodule' && s.tag.toLowerCase() !== 'ifdefine')
      .map((s) => `<${s.tag}${s.args.length ? ` ${s.args.join(' ')}` : ''}>`)
      .join(' ');
    const proxySection = [...stack].reverse().find((s) => s.tag.toLowerCase() === 'proxy');
    switch (directive) {
      case 'loadmodule': {
        if (args[0]) modules.add(args[0]);
        const file = /mod_(\w+)\.so$/.exec(args[1] ?? '');
        if (file) modules.add(`mod_${file[1]}.c`);
        break;
      }
      case 'listen': {
        const hp = args[0] ? parseListen(args[0]) : undefined;
        if (hp && !config.listens.some((l) => l.host === hp.host && l.port === hp.port))
          config.listens.push(hp);
        break;
      }
      case 'errorlog':
        if (args[0]) addLog(args[0]);
        break;
      case 'timeout': {
        const v = parseSeconds(args[0]);
        if (v !== undefined) timeout.set(vhost, v);
        break;
      }
      case 'proxytimeout': {
        const v = parseSeconds(args[0]);
        if (v !== undefined) {
          proxyTimeout.set(vhost, v);
          proxyTimeoutAt.set(vhost, at);
        }
        break;
      }
      case 'sethandler': {
        const h = args[0] ?? '';
        if (!/^proxy:/i.test(h)) break;
        const t = fcgiTarget(h.slice(6));
        if (t) pending.push({ scope: scope || '(server)', ...t, params: new Map(), vhost, at });
        break;
      }
      case 'proxypass':
      case 'proxypassmatch': {
        // Inside <Location>, ProxyPass takes only the URL.
        const inLocation = stack.some((s) => /^location/i.test(s.tag));
        const url = inLocation ? args[0] : args[1];
        const path = inLocation ? '' : (args[0] ?? '');
        if (!url || url === '!') break;
        const t = fcgiTarget(url);
        if (!t) break;
        const params = kvParams(args.slice(inLocation ? 1 : 2));
        const where = [scope, `${name} ${path}`.trim()].filter(Boolean).join(' ');
        pending.push({ scope: where, ...t, params, vhost, at });
        break;
      }
      case 'proxyset': {
        // Inside <Proxy URL> it sets that worker's params; outside, the first arg is the URL.
        const url = proxySection ? proxySection.args[0] : args[0];
        const kv = kvParams(proxySection ? args : args.slice(1));
        const t = url ? fcgiTarget(url) : undefined;
        if (!t) break;
        const all = workerParams.get(t.worker) ?? new Map<string, string>();
        for (const [k, v] of kv) all.set(k, v);
        workerParams.set(t.worker, all);
        if (kv.has('timeout')) workerTimeoutAt.set(t.worker, at);
        break;
      }
      case 'balancermember': {
        const bal = proxySection?.args[0] ? fcgiTarget(proxySection.args[0]) : undefined;
        const member = args[0] ? fcgiTarget(args[0]) : undefined;
        if (bal?.target.kind === 'upstream' && member && member.target.kind !== 'upstream') {
          balancerMembers.set(bal.worker, [...(balancerMembers.get(bal.worker) ?? []), member.target]);
        }
        break;
      }
    }
  }

  const globalTimeout = timeout.get(0) ?? 60;
  config.timeoutSec = globalTimeout;
  for (const p of pending) {
    // A worker is shared by every route with the same URL: ProxySet applies to all of them.
    const params = new Map([...(workerParams.get(p.worker) ?? []), ...p.params]);
    const serverTimeout = timeout.get(p.vhost) ?? globalTimeout;
    const proxy = proxyTimeout.get(p.vhost) ?? proxyTimeout.get(0) ?? serverTimeout;
    const read = parseSeconds(params.get('timeout')) ?? proxy;
    // The line that set the read timeout: the route's own timeout=, its worker's ProxySet, the
    // vhost's or the main server's ProxyTimeout (Timeout itself is left to the server).
    const readAt = p.params.has('timeout')
      ? p.at
      : params.has('timeout')
        ? workerTimeoutAt.get(p.worker)
        : (proxyTimeoutAt.get(p.vhost) ?? proxyTimeoutAt.get(0));
    const connect = parseSeconds(params.get('connectiontimeout')) ?? read;
    const target =
      p.target.kind === 'upstream'
        ? { ...p.target, servers: balancerMembers.get(p.worker) ?? p.target.servers }
        : p.target;
    config.routes.push({
      scope: p.scope,
      target,
      readTimeoutSec: read,
      connectTimeoutSec: connect,
      sendTimeoutSec: read,
      passAt: p.at,
      ...(readAt ? { readTimeoutAt: readAt } : {}),
    });
  }
  return config;
}
