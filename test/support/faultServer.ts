// A local stand-in for a NocoBase entry app that speaks both supervisor dialects (`applications`
// as recorded on NocoBase 2.2.15, `apps`/`appEnvironments` in the shape of core AppModel) and
// injects faults on demand. Records every request so tests can count calls.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { sleep } from "../../components/core/poll";

export type FaultKind =
    | { kind: "status"; status: number; body: unknown } // answer before processing
    | { kind: "raw"; status: number; text: string } // answer with a non-JSON body
    | { kind: "reset" } // destroy the socket before processing
    | { kind: "resetAfter" } // process, then destroy the socket instead of answering
    | { kind: "slow"; ms: number } // wait, then process normally
    | { kind: "slowAfter"; ms: number }; // process, then wait before answering

export interface Fault {
    /** `resource:action`, e.g. `applications:create`; `*` matches every API call. */
    action: string;
    fault: FaultKind;
    /** How many matching requests it hits; Infinity for a storm that never ends. */
    times: number;
}

export interface RecordedRequest {
    method: string;
    action: string;
    query: Record<string, string>;
    body: any;
    authorization?: string;
    contentType?: string;
}

interface StoredApp {
    name: string;
    displayName?: string | null;
    title?: string | null;
    cname: string | null;
    environment?: string | null;
    environments?: string[] | null;
    options: any;
    status: string;
    /** False once a stale stop dropped the instance (see `staleStop`); a request starts it again. */
    loaded?: boolean;
}

export const ADMIN = { account: "admin@example.com", password: "fake-password" };
export const API_KEY = "fake-api-key";

export class FaultServer {
    readonly requests: RecordedRequest[] = [];
    /** An array, not a map: a naive store lets a test see duplicates if the client ever made one. */
    readonly apps: StoredApp[] = [];
    environments: { name: string; available: boolean }[] = [{ name: "local", available: true }];
    faults: Fault[] = [];
    /** When false the server accepts a second app with an existing name (NocoBase does not). */
    uniqueNames = true;
    /** ms an app stays `commanding` after start. */
    startDelayMs = 50;
    /**
     * As NocoBase 2.2.15 does for an app started on a database it was installed in: stop drops the
     * instance, but the list keeps reporting `running` until a request starts the app again.
     */
    staleStop = false;
    /** The status a stop leaves; `error` stands for a stop NocoBase could not complete. */
    stopsTo = "stopped";
    healthy = true;
    /** What `app:getInfo` says the entry app runs. */
    version = "2.2.15";
    url = "";
    private server?: http.Server;
    private timers: NodeJS.Timeout[] = [];
    private issuedTokens = new Set<string>([API_KEY]);
    private signIns = 0;

    async start(): Promise<string> {
        this.server = http.createServer((req, res) => void this.handle(req, res));
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
        return this.url;
    }

    async close(): Promise<void> {
        this.timers.forEach(clearTimeout);
        this.server?.closeAllConnections();
        await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
    }

    inject(action: string, fault: FaultKind, times = 1): void {
        this.faults.push({ action, fault, times });
    }

    /** Every sign-in token stops working, as after NocoBase's 24 h expiry; the API key keeps working. */
    expireSessions(): void {
        this.issuedTokens = new Set([API_KEY]);
    }

    count(action?: string): number {
        return this.requests.filter((r) => action === undefined || r.action === action).length;
    }

    appsNamed(name: string): StoredApp[] {
        return this.apps.filter((a) => a.name === name);
    }

    private takeFault(action: string): FaultKind | undefined {
        const f = this.faults.find((x) => x.times > 0 && (x.action === action || x.action === "*"));
        if (!f) return undefined;
        f.times--;
        return f.fault;
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const url = new URL(req.url ?? "/", "http://x");
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        if (url.pathname === "/api/__health_check") {
            this.requests.push({ method: req.method ?? "", action: "__health_check", query: {}, body: undefined });
            const fault = this.takeFault("__health_check");
            if (fault?.kind === "slow") await sleep(fault.ms);
            res.writeHead(this.healthy ? 200 : 503).end(this.healthy ? "ok" : "starting");
            return;
        }
        const appHealth = /^\/api\/__app\/([^/]+)\/__health_check$/.exec(url.pathname);
        if (appHealth) {
            // Like the gateway: answers 200 only for a running app, and a request starts one that is not.
            this.requests.push({
                method: req.method ?? "",
                action: `__app/${appHealth[1]}/__health_check`,
                query: {},
                body: undefined,
            });
            const app = this.apps.find((a) => a.name === appHealth[1]);
            if (!app) return void res.writeHead(404).end();
            if (this.serving(app)) return void res.writeHead(200).end("ok");
            this.startApp(app);
            return void res
                .writeHead(503, { "content-type": "application/json" })
                .end(JSON.stringify({ error: { code: "APP_COMMANDING" } }));
        }
        const action = url.pathname.replace(/^\/api\//, "");
        const text = Buffer.concat(chunks).toString("utf8");
        const body = text ? JSON.parse(text) : undefined;
        const query = Object.fromEntries(url.searchParams);
        this.requests.push({
            method: req.method ?? "",
            action,
            query,
            body,
            authorization: req.headers.authorization,
            contentType: req.headers["content-type"],
        });

        const fault = this.takeFault(action);
        const send = (status: number, payload: unknown) =>
            res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
        switch (fault?.kind) {
            case "status":
                return void send(fault.status, fault.body);
            case "raw":
                return void res.writeHead(fault.status, { "content-type": "text/html" }).end(fault.text);
            case "reset":
                return void req.socket.destroy();
            case "slow":
                await sleep(fault.ms);
                break;
        }
        const [status, payload] = this.dispatch(action, query, body, req.headers);
        if (fault?.kind === "resetAfter") return void req.socket.destroy();
        if (fault?.kind === "slowAfter") await sleep(fault.ms);
        if (!res.destroyed) send(status, payload);
    }

    private dispatch(
        action: string,
        q: Record<string, string>,
        body: any,
        headers: http.IncomingHttpHeaders,
    ): [number, unknown] {
        if (action === "auth:signIn") {
            if (body?.account === ADMIN.account && body?.password === ADMIN.password) {
                const token = `signed-in-${++this.signIns}`;
                this.issuedTokens.add(token);
                return [200, { data: { user: { id: 1 }, token } }];
            }
            return [401, { errors: [{ message: "The username/email or password is incorrect, please re-enter" }] }];
        }
        const auth = headers.authorization;
        if (!auth)
            return [
                401,
                { errors: [{ message: "Unauthenticated. Please sign in to continue.", code: "EMPTY_TOKEN" }] },
            ];
        if (!this.issuedTokens.has(auth.replace(/^Bearer /, ""))) {
            return [
                401,
                { errors: [{ message: "Your session has expired. Please sign in again.", code: "INVALID_TOKEN" }] },
            ];
        }
        // As NocoBase 2.2.15 answers it (reference section 9).
        if (action === "app:getInfo")
            return [
                200,
                { data: { database: { dialect: "postgres" }, version: this.version, lang: "en-US", name: "main" } },
            ];
        if (action === "apiKeys:create") {
            const token = `api-key-${this.issuedTokens.size}`;
            this.issuedTokens.add(token);
            return [200, { data: { token } }];
        }
        const [resource, verb] = action.split(":");
        if (resource === "appEnvironments" && verb === "list") return [200, this.page(this.environments, q)];
        if (resource !== "applications" && resource !== "apps") return [404, "Not Found"];
        const shape = resource;
        const find = () => this.apps.find((a) => a.name === q.filterByTk);
        switch (verb) {
            case "list": {
                const filter = q.filter ? JSON.parse(q.filter) : {};
                const rows = this.apps.filter((a) => filter.name === undefined || a.name === filter.name);
                return [
                    200,
                    this.page(
                        rows.map((a) => this.view(a, shape)),
                        q,
                    ),
                ];
            }
            case "create": {
                if (!/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(body?.name ?? "")) {
                    return [
                        500,
                        {
                            errors: [
                                {
                                    message: `${resource}.name can only include A-Z, a-z, 0-9, _-*$, '${body?.name}' is invalid`,
                                },
                            ],
                        },
                    ];
                }
                if (this.uniqueNames && this.apps.some((a) => a.name === body.name)) {
                    return [400, { errors: [{ message: "name already exists" }] }];
                }
                const app: StoredApp = { name: body.name, cname: null, options: {}, status: "initialized" };
                this.write(app, body, shape);
                this.apps.push(app);
                return [200, { data: { ...this.view(app, shape), status: "pending" } }];
            }
            case "update": {
                const app = find();
                if (!app) return [200, { data: [] }];
                this.write(app, body, shape);
                return [200, { data: [{ ...this.view(app, shape), status: "pending" }] }];
            }
            case "destroy": {
                const before = this.apps.length;
                this.apps.splice(0, this.apps.length, ...this.apps.filter((a) => a.name !== q.filterByTk));
                return [200, { data: before - this.apps.length }];
            }
            case "start": {
                const app = find();
                if (app) this.startApp(app);
                return [200, { data: "ok" }];
            }
            case "stop": {
                const app = find();
                if (app?.status === "running" && this.staleStop) app.loaded = false;
                else if (app) app.status = this.stopsTo;
                return [200, { data: "ok" }];
            }
        }
        return [404, "Not Found"];
    }

    private serving(app: StoredApp): boolean {
        return app.status === "running" && app.loaded !== false;
    }

    private startApp(app: StoredApp): void {
        if (this.serving(app) || app.status === "commanding") return;
        app.status = "commanding";
        app.loaded = true;
        this.timers.push(setTimeout(() => (app.status = "running"), this.startDelayMs));
    }

    private write(app: StoredApp, body: any, shape: "applications" | "apps"): void {
        if (shape === "applications") app.displayName = body.displayName;
        else {
            app.title = body.title;
            app.environment = body.environment ?? null;
            app.environments = body.environments ?? null;
        }
        app.cname = body.cname ?? null;
        app.options = body.options;
    }

    private view(app: StoredApp, shape: "applications" | "apps"): Record<string, unknown> {
        const common = { name: app.name, cname: app.cname, options: app.options, pinned: false, icon: null };
        if (shape === "applications") return { ...common, displayName: app.displayName ?? null, status: app.status };
        // Per-environment statuses, as core getAppsStatuses() may report them.
        const env = app.environments?.[0] ?? "local";
        return { ...common, title: app.title ?? null, environments: app.environments, status: { [env]: app.status } };
    }

    private page<T>(rows: T[], q: Record<string, string>) {
        const pageSize = Number(q.pageSize ?? 20);
        const page = Number(q.page ?? 1);
        return {
            data: rows.slice((page - 1) * pageSize, page * pageSize),
            meta: { count: rows.length, page, pageSize, totalPage: Math.ceil(rows.length / pageSize) },
        };
    }
}
