import { createServer, type IncomingMessage, type Server } from 'node:http';

/**
 * A local stand-in for Slack's Web API, reached through SLACK_API_URL: Slack cannot run here, so
 * this is the one part the tests fake. It records every call (method + arguments) and answers
 * like Slack does for the methods the bot uses.
 */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  /** What the fake answered (e.g. the ts of a posted message). */
  result?: Record<string, unknown>;
  at: number;
}

export interface FakeSlack {
  url: string;
  calls: SlackCall[];
  /** User group id -> member user ids (usergroups.users.list). */
  groups: Map<string, string[]>;
  /**
   * Socket Mode: apps.connections.open answers with `url()` for the app token `appToken` (sent as
   * `Authorization: Bearer`), and `invalid_auth` for any other token, as Slack does.
   */
  socketMode?: { appToken: string; url(): string };
  /** Makes the next calls of `method` fail with this Slack error. */
  failNext(method: string, error: string, times?: number): void;
  /**
   * Makes the next calls of `method` fail at the HTTP level: 429 with `Retry-After: retryAfterSec`,
   * a 5xx, or a hang of `hangMs` before answering (a timeout for the client).
   */
  httpFailNext(
    method: string,
    failure: { status: 429; retryAfterSec: number } | { status: 500 | 502 | 503 } | { hangMs: number },
    times?: number,
  ): void;
  /**
   * Slack's per-channel posting limit: a chat.postMessage to a channel sooner than `intervalMs`
   * after the last one accepted there gets 429 with Retry-After 1. Undefined turns it off.
   */
  channelRateMs?: number;
  /** `${url}response/NAME`: a response_url this fake takes posts to (recorded as method `response/NAME`). */
  responseUrl(name: string): string;
  /** Calls Slack answered with ok: true (not the ones it refused or limited). */
  delivered(method: string): SlackCall[];
  waitFor(
    method: string,
    match?: (args: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<SlackCall>;
  callsOf(method: string): SlackCall[];
  /**
   * Files shared with files.uploadV2's three calls (files.getUploadURLExternal, the upload to the
   * URL it answered, files.completeUploadExternal), in the order they were completed.
   */
  files(): SharedFile[];
  close(): Promise<void>;
}

export interface SharedFile {
  id: string;
  filename: string;
  title?: string;
  snippetType?: string;
  content: string;
  channel: string;
  threadTs?: string;
  initialComment?: string;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  const text = body.toString('utf8');
  if (type.includes('application/json')) return text ? JSON.parse(text) : {};
  const args: Record<string, unknown> = {};
  if (type.includes('multipart/form-data')) {
    // A file's bytes, as the web client posts them to an upload URL.
    const form = await new Response(body, { headers: { 'content-type': type } }).formData();
    for (const [k, v] of form) args[k] = typeof v === 'string' ? v : await v.text();
    return args;
  }
  for (const [k, v] of new URLSearchParams(text)) {
    // The web client sends blocks/attachments (and an upload's file list) JSON-encoded in the form.
    args[k] = ['blocks', 'attachments', 'metadata', 'files'].includes(k) ? JSON.parse(v) : v;
  }
  return args;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const groups = new Map<string, string[]>();
  const failures = new Map<string, { error: string; times: number }>();
  type HttpFailure = { status: number; retryAfterSec?: number } | { hangMs: number };
  const httpFailures = new Map<string, { failure: HttpFailure; times: number }>();
  const lastPost = new Map<string, number>();
  const waiters = new Set<() => void>();
  let ts = 1_700_000_000;
  let fileSeq = 0;
  let port = 0;

  const server: Server = createServer(async (req, res) => {
    const method = (req.url ?? '').replace(/^\/(api\/)?/, '').split('?')[0]!;
    const args = await readBody(req);
    const call: SlackCall = { method, args, at: Date.now() };
    calls.push(call);
    const reply = (body: Record<string, unknown>) => {
      call.result = body;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      for (const w of waiters) w();
    };
    const http = httpFailures.get(method);
    if (http && http.times > 0) {
      http.times--;
      const f = http.failure;
      if ('hangMs' in f) {
        await new Promise((r) => setTimeout(r, f.hangMs));
      } else {
        call.result = { status: f.status };
        res.writeHead(f.status, f.retryAfterSec ? { 'retry-after': String(f.retryAfterSec) } : {});
        res.end(f.status === 429 ? 'ratelimited' : 'upstream error');
        for (const w of waiters) w();
        return;
      }
    }
    if (method === 'chat.postMessage' && fake.channelRateMs !== undefined) {
      const channel = String(args.channel);
      const last = lastPost.get(channel);
      if (last !== undefined && call.at - last < fake.channelRateMs) {
        call.result = { status: 429 };
        res.writeHead(429, { 'retry-after': '1' });
        res.end('ratelimited');
        for (const w of waiters) w();
        return;
      }
      lastPost.set(channel, call.at);
    }
    if (method.startsWith('response/')) return reply({ ok: true });
    if (method.startsWith('upload/')) return reply({ ok: true });
    const failure = failures.get(method);
    if (failure && failure.times > 0) {
      failure.times--;
      return reply({ ok: false, error: failure.error });
    }
    switch (method) {
      case 'apps.connections.open': {
        const socket = fake.socketMode;
        if (!socket) return reply({ ok: false, error: 'not_allowed_token_type' });
        if (req.headers.authorization !== `Bearer ${socket.appToken}`)
          return reply({ ok: false, error: 'invalid_auth' });
        return reply({ ok: true, url: socket.url() });
      }
      case 'auth.test':
        return reply({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', user: 'fpm-medic' });
      case 'chat.postMessage':
        ts += 1;
        return reply({
          ok: true,
          channel: args.channel,
          ts: `${ts}.000100`,
          message: { ts: `${ts}.000100` },
        });
      case 'chat.update':
        return reply({ ok: true, channel: args.channel, ts: args.ts });
      case 'chat.postEphemeral':
        return reply({ ok: true, message_ts: `${ts}.000200` });
      case 'files.getUploadURLExternal': {
        const id = `F${++fileSeq}`;
        return reply({ ok: true, file_id: id, upload_url: `http://127.0.0.1:${port}/upload/${id}` });
      }
      case 'files.completeUploadExternal': {
        const files = (args.files as { id: string; title?: string }[] | undefined) ?? [];
        return reply({ ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) });
      }
      case 'usergroups.users.list': {
        const users = groups.get(String(args.usergroup));
        return reply(users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' });
      }
      default:
        return reply({ ok: true });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;

  const callsOf = (method: string) => calls.filter((c) => c.method === method);
  const fake: FakeSlack = {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    groups,
    callsOf,
    failNext(method, error, times = 1) {
      failures.set(method, { error, times });
    },
    httpFailNext(method, failure, times = 1) {
      httpFailures.set(method, { failure, times });
    },
    responseUrl: (name) => `http://127.0.0.1:${port}/api/response/${name}`,
    delivered: (method) => calls.filter((c) => c.method === method && c.result?.ok === true),
    waitFor(method, match = () => true, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = calls.find((c) => c.method === method && match(c.args));
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no ${method} call matching within ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(', ')}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    files() {
      const asked = new Map(
        callsOf('files.getUploadURLExternal').map((c) => [String(c.result?.file_id), c.args]),
      );
      const uploaded = new Map(
        calls.filter((c) => c.method.startsWith('upload/')).map((c) => [c.method, c.args]),
      );
      return callsOf('files.completeUploadExternal')
        .filter((c) => c.result?.ok === true)
        .flatMap((c) =>
          (c.args.files as { id: string; title?: string }[]).map((f) => ({
            id: f.id,
            filename: String(asked.get(f.id)?.filename ?? ''),
            ...(f.title !== undefined ? { title: f.title } : {}),
            ...(asked.get(f.id)?.snippet_type !== undefined
              ? { snippetType: String(asked.get(f.id)?.snippet_type) }
              : {}),
            // The web client posts the bytes as the form's `body` part.
            content: String(uploaded.get(`upload/${f.id}`)?.body ?? ''),
            channel: String(c.args.channel_id),
            ...(c.args.thread_ts !== undefined ? { threadTs: String(c.args.thread_ts) } : {}),
            ...(c.args.initial_comment !== undefined
              ? { initialComment: String(c.args.initial_comment) }
              : {}),
          })),
        );
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
  return fake;
}
