/**
 * Counting proxies for the engine benchmark, on addresses of this machine only:
 *
 * - `HttpCounter`: an HTTP proxy in front of the entry app's published port. The stack's
 *   `entry.apiUrl` points at it, so every call a registration's provider makes to NocoBase passes
 *   through it and is counted by action (`applications:create`, `auth:signIn`, ...).
 * - `PgCounter`: a TCP forwarder in front of PostgreSQL that reads the frontend side of the wire
 *   protocol and counts connections and statements (simple `Query` and extended `Execute`
 *   messages), by client: the engine's PostgreSQL provider on this machine, or NocoBase in its
 *   container.
 */
import * as http from "node:http";
import * as net from "node:net";

export interface HttpCounts {
    /** Requests that change something in NocoBase: create, update, destroy, start, stop. */
    writes: number;
    reads: number;
    byAction: Record<string, number>;
}

const WRITES = /:(create|update|destroy|start|stop)$/;

export class HttpCounter {
    private server?: http.Server;
    private counts: HttpCounts = { writes: 0, reads: 0, byAction: {} };
    private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

    constructor(private readonly target: { host: string; port: number }) {}

    async listen(): Promise<number> {
        this.server = http.createServer((req, res) => {
            const url = req.url ?? "/";
            const action = url.replace(/^\/api\//, "").replace(/\?.*$/, "");
            this.counts.byAction[action] = (this.counts.byAction[action] ?? 0) + 1;
            if (WRITES.test(action)) this.counts.writes++;
            else this.counts.reads++;
            const upstream = http.request(
                {
                    host: this.target.host,
                    port: this.target.port,
                    method: req.method,
                    path: url,
                    headers: req.headers,
                    agent: this.agent,
                    timeout: 120_000,
                },
                (answer) => {
                    res.writeHead(answer.statusCode ?? 502, answer.headers);
                    answer.pipe(res);
                },
            );
            upstream.on("timeout", () => upstream.destroy(new Error("upstream timeout")));
            upstream.on("error", () => {
                if (!res.headersSent) res.writeHead(502);
                res.end();
            });
            req.pipe(upstream);
        });
        this.server.keepAliveTimeout = 30_000;
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        return (this.server.address() as net.AddressInfo).port;
    }

    /** The counts since the last take, and a fresh start. */
    take(): HttpCounts {
        const c = this.counts;
        this.counts = { writes: 0, reads: 0, byAction: {} };
        return c;
    }

    async close(): Promise<void> {
        this.agent.destroy();
        if (this.server) {
            this.server.closeAllConnections();
            await new Promise<void>((resolve) => this.server!.close(() => resolve()));
        }
    }
}

export interface PgSide {
    connections: number;
    statements: number;
}

export interface PgCounts {
    /** The engine's PostgreSQL provider (connections from this machine's own address). */
    engine: PgSide;
    /** NocoBase, from its container. */
    nocobase: PgSide;
}

const zero = (): PgCounts => ({
    engine: { connections: 0, statements: 0 },
    nocobase: { connections: 0, statements: 0 },
});

/**
 * Frontend messages after the startup packet are `type(1) length(4, includes itself) body`. The
 * startup packet (and an SSLRequest before it) has no type byte.
 */
class FrontendParser {
    private buffer: Buffer = Buffer.alloc(0);
    private started = false;

    constructor(private readonly onStatement: () => void) {}

    feed(chunk: Buffer): void {
        this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
        for (;;) {
            if (!this.started) {
                if (this.buffer.length < 8) return;
                const length = this.buffer.readInt32BE(0);
                const code = this.buffer.readInt32BE(4);
                if (this.buffer.length < length) return;
                this.buffer = this.buffer.subarray(length);
                // SSLRequest (80877103) and GSSENCRequest (80877104) come before the real startup.
                if (code !== 80877103 && code !== 80877104) this.started = true;
                continue;
            }
            if (this.buffer.length < 5) return;
            const type = String.fromCharCode(this.buffer[0]);
            const length = this.buffer.readInt32BE(1);
            if (this.buffer.length < 1 + length) return;
            if (type === "Q" || type === "E") this.onStatement();
            this.buffer = this.buffer.subarray(1 + length);
        }
    }
}

export class PgCounter {
    private server?: net.Server;
    private counts = zero();
    private readonly sockets = new Set<net.Socket>();

    constructor(
        private readonly target: { host: string; port: number },
        /** Clients from these addresses (this machine's own) are the engine's; any other is NocoBase in its container. */
        private readonly engineAddresses: string[],
    ) {}

    async listen(host: string): Promise<number> {
        this.server = net.createServer((client) => {
            const address = (client.remoteAddress ?? "").replace(/^::ffff:/, "");
            const side = this.engineAddresses.includes(address) ? "engine" : "nocobase";
            this.counts[side].connections++;
            const parser = new FrontendParser(() => this.counts[side].statements++);
            const server = net.connect(this.target.port, this.target.host);
            for (const s of [client, server]) {
                this.sockets.add(s);
                s.on("close", () => this.sockets.delete(s));
                s.on("error", () => {
                    client.destroy();
                    server.destroy();
                });
            }
            let first = true;
            client.on("data", (chunk: Buffer) => {
                // An SSLRequest or GSSENCRequest comes alone, before the startup packet: refused here
                // ('N', as a server without TLS answers), so that the session stays readable.
                if (first && chunk.length === 8 && [80877103, 80877104].includes(chunk.readInt32BE(4))) {
                    client.write("N");
                    return;
                }
                first = false;
                parser.feed(chunk);
                if (!server.write(chunk)) {
                    client.pause();
                    server.once("drain", () => client.resume());
                }
            });
            client.on("end", () => server.end());
            server.pipe(client);
        });
        await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
        return (this.server.address() as net.AddressInfo).port;
    }

    take(): PgCounts {
        const c = this.counts;
        this.counts = zero();
        return c;
    }

    async close(): Promise<void> {
        for (const s of this.sockets) s.destroy();
        if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    }
}
