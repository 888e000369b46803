import { createServer, type Server, type Socket } from 'node:net';

/**
 * The "black-hole API": completes the TCP handshake and reads whatever is sent, but never answers
 * and never closes. A client without a timeout (curl's default) waits on it forever, with ~0% CPU.
 * It listens on 127.0.0.2 so its address is never mistaken for the lab's own web listener.
 */
export class BlackHole {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(readonly host = '127.0.0.2') {}

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get url(): string {
    return `http://${this.address}/v1/quote`;
  }

  /** Connections currently held open. */
  get held(): number {
    return this.sockets.size;
  }

  async start(port: number): Promise<void> {
    const server = createServer((sock) => {
      this.sockets.add(sock);
      sock.on('data', () => {});
      sock.on('error', () => {});
      sock.on('close', () => this.sockets.delete(sock));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => resolve());
    });
    server.unref();
    this.server = server;
    this.port = port;
  }

  /** Release every caller (they get EOF), keep listening. */
  hangUpAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async stop(): Promise<void> {
    this.hangUpAll();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
