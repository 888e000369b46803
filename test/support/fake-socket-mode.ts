import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * A local stand-in for Slack's Socket Mode endpoint. The fake Web API (fake-slack.ts) answers
 * apps.connections.open with `url`; the app's Socket Mode client connects here, gets `hello`, and
 * receives envelopes it must acknowledge with their envelope_id, as on Slack's side:
 *   {"type":"hello","num_connections":1,"connection_info":{"app_id":"A1"}}
 *   {"envelope_id":"...","type":"slash_commands","accepts_response_payload":true,"payload":{...}}
 *   {"type":"disconnect","reason":"refresh_requested" | "link_disabled"}
 */
export interface Envelope {
  envelopeId: string;
  type: 'slash_commands' | 'interactive';
  sentAt: number;
  /** When the app's ack arrived (performance.now()); undefined while unacknowledged. */
  ackedAt?: number;
  ackPayload?: unknown;
}

export interface FakeSocketMode {
  /** What apps.connections.open hands out: a new ticket per call, like Slack's. */
  connectUrl(): string;
  /** Connections opened so far (each has had its hello). */
  readonly connections: number;
  envelopes: Envelope[];
  /** Resolves once `n` connections have said hello... i.e. the app is connected for the n-th time. */
  waitForConnections(n: number, timeoutMs?: number): Promise<void>;
  send(type: Envelope['type'], payload: Record<string, unknown>): Envelope;
  waitForAck(envelope: Envelope, timeoutMs?: number): Promise<Envelope>;
  /** Asks the live connection to go away, as Slack does before recycling a server. */
  disconnect(reason: 'refresh_requested' | 'link_disabled'): void;
  /** Drops the live connection without a word (a network cut, a crashed Slack server). */
  drop(): void;
  close(): Promise<void>;
}

function deadline<T>(what: string, timeoutMs: number, poll: () => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const stop = Date.now() + timeoutMs;
    const tick = () => {
      const v = poll();
      if (v !== undefined) return resolve(v);
      if (Date.now() > stop) return reject(new Error(`${what} did not happen within ${timeoutMs} ms`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

export async function startFakeSocketMode(): Promise<FakeSocketMode> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as AddressInfo).port;
  const envelopes: Envelope[] = [];
  let live: WebSocket | undefined;
  let connections = 0;

  wss.on('connection', (ws) => {
    live = ws;
    connections++;
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'fake-socket-mode', approximate_connection_time: 18060 },
        connection_info: { app_id: 'A1' },
      }),
    );
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
      const env = envelopes.find((e) => e.envelopeId === msg.envelope_id);
      if (env && env.ackedAt === undefined) {
        env.ackedAt = performance.now();
        env.ackPayload = msg.payload;
      }
    });
    ws.on('close', () => {
      if (live === ws) live = undefined;
    });
  });

  return {
    connectUrl: () => `ws://127.0.0.1:${port}/link/?ticket=${randomUUID()}&app_id=A1`,
    get connections() {
      return connections;
    },
    envelopes,
    waitForConnections(n, timeoutMs = 20_000) {
      return deadline(`connection #${n}`, timeoutMs, () =>
        connections >= n && live?.readyState === 1 ? true : undefined,
      ).then(() => undefined);
    },
    send(type, payload) {
      if (!live) throw new Error('no Socket Mode connection to deliver to');
      const env: Envelope = { envelopeId: randomUUID(), type, sentAt: performance.now() };
      envelopes.push(env);
      live.send(
        JSON.stringify({
          envelope_id: env.envelopeId,
          type,
          accepts_response_payload: type === 'slash_commands',
          payload,
        }),
      );
      return env;
    },
    waitForAck(envelope, timeoutMs = 10_000) {
      return deadline(`ack of ${envelope.envelopeId}`, timeoutMs, () =>
        envelope.ackedAt !== undefined ? envelope : undefined,
      );
    },
    disconnect(reason) {
      live?.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake-socket-mode' } }));
    },
    drop() {
      live?.terminate();
      live = undefined;
    },
    close: () =>
      new Promise((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
}
